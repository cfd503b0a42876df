"""Journal entry drafts: validation messages, QBO JSON, python-quickbooks compatibility, signatures."""
import json
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from quickbooks.objects.journalentry import JournalEntry, JournalEntryLine

from qbo_engine.money import TRUNCATION_MARKER
from qbo_engine.schemas import JournalEntryDraft, JournalLine, Ref, entry_signature

INVENTORY = {"value": "81", "name": "Inventory Asset"}
GRNI = {"value": "90", "name": "Inventory Received Not Billed"}
COGS = {"value": "60", "name": "Cost of Goods Sold"}


def line(posting_type="Debit", amount="100.00", account=INVENTORY, **extra):
    return {"posting_type": posting_type, "amount": amount, "account": account, **extra}


def draft_data(**overrides):
    data = {
        "doc_number": "INV-TEST",
        "txn_date": date(2024, 5, 31),
        "currency": "USD",
        "lines": [line("Debit", "100.00", INVENTORY), line("Credit", "100.00", GRNI)],
    }
    data.update(overrides)
    return data


def make_draft(**overrides):
    return JournalEntryDraft(**draft_data(**overrides))


def shipment_draft():
    return make_draft(
        doc_number="INV-53ALUSFF4VPLPA25",
        home_currency="USD",
        private_note="Inventory posting stock.picking/7",
        lines=[
            line(
                "Debit", "100.01", COGS,
                class_ref={"value": "5000000000000010", "name": "Web shop"},
                department={"value": "2", "name": "Main warehouse"},
                description="WH/OUT/00012 | [FURN_001] Desk | qty 3 x 33.3367 | Delivered",
            ),
            line("Credit", "66.67", INVENTORY, department={"value": "2"}, description="WH/OUT/00012 part 1"),
            line("Credit", "33.34", INVENTORY),
        ],
    )


def test_to_qbo_is_exactly_the_journal_entry_create_body():
    assert shipment_draft().to_qbo() == {
        "DocNumber": "INV-53ALUSFF4VPLPA25",
        "TxnDate": "2024-05-31",
        "PrivateNote": "Inventory posting stock.picking/7",
        "CurrencyRef": {"value": "USD"},
        "Line": [
            {
                "Description": "WH/OUT/00012 | [FURN_001] Desk | qty 3 x 33.3367 | Delivered",
                "Amount": 100.01,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {
                    "PostingType": "Debit",
                    "AccountRef": {"value": "60", "name": "Cost of Goods Sold"},
                    "ClassRef": {"value": "5000000000000010", "name": "Web shop"},
                    "DepartmentRef": {"value": "2", "name": "Main warehouse"},
                },
            },
            {
                "Description": "WH/OUT/00012 part 1",
                "Amount": 66.67,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {
                    "PostingType": "Credit",
                    "AccountRef": {"value": "81", "name": "Inventory Asset"},
                    "DepartmentRef": {"value": "2"},
                },
            },
            {
                "Amount": 33.34,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {
                    "PostingType": "Credit",
                    "AccountRef": {"value": "81", "name": "Inventory Asset"},
                },
            },
        ],
    }


def test_to_qbo_omits_empty_private_note_and_is_json_ready():
    body = make_draft(lines=[line("Debit", "100.10"), line("Credit", "100.1", GRNI)]).to_qbo()
    assert "PrivateNote" not in body
    text = json.dumps(body)
    assert '"Amount": 100.1,' in text
    assert json.loads(text) == body


def test_python_quickbooks_reads_the_body():
    draft = shipment_draft()
    entry = JournalEntry.from_json(draft.to_qbo())
    assert entry.DocNumber == "INV-53ALUSFF4VPLPA25"
    assert entry.TxnDate == "2024-05-31"
    assert entry.PrivateNote == "Inventory posting stock.picking/7"
    assert entry.CurrencyRef.value == "USD"
    assert [type(item) for item in entry.Line] == [JournalEntryLine] * 3
    first = entry.Line[0]
    assert first.Amount == 100.01
    assert first.Description == "WH/OUT/00012 | [FURN_001] Desk | qty 3 x 33.3367 | Delivered"
    assert first.JournalEntryLineDetail.PostingType == "Debit"
    assert first.JournalEntryLineDetail.AccountRef.value == "60"
    assert first.JournalEntryLineDetail.ClassRef.value == "5000000000000010"
    assert first.JournalEntryLineDetail.DepartmentRef.value == "2"
    # What python-quickbooks would send (with its own defaults added) still means the same entry.
    assert entry_signature(json.loads(entry.to_json())) == draft.signature()


def test_amounts_are_cents_decimals():
    draft = make_draft(
        lines=[line("Debit", 5), line("Debit", 0.1), line("Debit", "0.100"), line("Credit", Decimal("5.2"), GRNI)]
    )
    assert [item.amount for item in draft.lines] == [
        Decimal("5.00"), Decimal("0.10"), Decimal("0.10"), Decimal("5.20")
    ]
    assert [str(item.amount) for item in draft.lines] == ["5.00", "0.10", "0.10", "5.20"]
    assert draft.total == Decimal("5.20")


def errors_of(data, model=JournalEntryDraft):
    with pytest.raises(ValidationError) as info:
        model(**data)
    return info.value


@pytest.mark.parametrize(
    ("overrides", "loc", "message"),
    [
        ({"lines": [line("Debit", "100.00"), line("Credit", "99.99", GRNI)]}, ("lines",),
         "lines do not balance: debits 100.00, credits 99.99 (difference 0.01); the entry must balance to the cent"),
        ({"lines": [line("Debit", "100.00")]}, ("lines",),
         "lines must hold at least two lines (a debit and a credit), got 1"),
        ({"lines": []}, ("lines",), "lines must hold at least two lines (a debit and a credit), got 0"),
        ({"lines": [line("Debit", "0"), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be greater than 0, got 0; post a negative value as the other posting type"),
        ({"lines": [line("Debit", "-5.00"), line("Credit", "5.00", GRNI)]}, ("lines", 0, "amount"),
         "amount must be greater than 0, got -5.00"),
        ({"lines": [line("Debit", "NaN"), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be a finite number, got 'NaN'"),
        ({"lines": [line("Debit", "Infinity"), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be a finite number, got 'Infinity'"),
        ({"lines": [line("Debit", float("inf")), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be a finite number, got inf"),
        ({"lines": [line("Debit", Decimal("sNaN")), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be a finite number"),
        ({"lines": [line("Debit", "ten"), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be a number, got 'ten'"),
        ({"lines": [line("Debit", True), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must be a number, got True"),
        ({"lines": [line("Debit", "1.005"), line("Credit", "1.01", GRNI)]}, ("lines", 0, "amount"),
         "amount must have at most 2 decimal places, got 1.005; round it to cents first"),
        ({"lines": [line("Debit", "10000000000000.00"), line("Credit", "1", GRNI)]}, ("lines", 0, "amount"),
         "amount must not exceed 9999999999999.99"),
        ({"lines": [line("debit"), line("Credit", account=GRNI)]}, ("lines", 0, "posting_type"),
         "Input should be 'Debit' or 'Credit'"),
        ({"lines": [line(account={"value": " "}), line("Credit", account=GRNI)]}, ("lines", 0, "account", "value"),
         "value (the QuickBooks id) must not be empty"),
        ({"lines": [line(memo="x"), line("Credit", account=GRNI)]}, ("lines", 0, "memo"),
         "Extra inputs are not permitted"),
        ({"Id": "12"}, ("Id",), "Extra inputs are not permitted"),
        ({"doc_number": "INV-0123456789ABCDEFGH"}, ("doc_number",),
         "doc_number must be at most 21 characters, got 22 ('INV-0123456789ABCDEFGH')"),
        ({"doc_number": ""}, ("doc_number",), "doc_number must not be empty"),
        ({"doc_number": "INV 12"}, ("doc_number",),
         "doc_number may contain only letters, digits and - _ / . ; got 'INV 12'"),
        ({"doc_number": "INV'12"}, ("doc_number",), "doc_number may contain only letters, digits and - _ / ."),
        ({"doc_number": "INVÉ12"}, ("doc_number",), "doc_number may contain only letters, digits and - _ / ."),
        ({"doc_number": "INV-12\n"}, ("doc_number",), "doc_number may contain only letters, digits and - _ / ."),
        ({"currency": "US"}, ("currency",), "currency must be a 3-letter ISO 4217 code such as 'USD', got 'US'"),
        ({"home_currency": "dollar"}, ("home_currency",), "home_currency must be a 3-letter ISO 4217 code"),
        ({"currency": "EUR", "home_currency": "USD"}, ("currency",),
         "currency EUR differs from the company's home currency USD and multicurrency is off; "
         "turn multicurrency on in QuickBooks or post in the home currency"),
        ({"txn_date": "31/05/2024"}, ("txn_date",), "Input should be a valid date"),
    ],
)
def test_validation_errors_name_the_field(overrides, loc, message):
    error = errors_of(draft_data(**overrides))
    assert [item["loc"] for item in error.errors()] == [loc]
    assert message in error.errors()[0]["msg"]
    # The text a person sees starts with the path of the field.
    assert ".".join(str(part) for part in loc) + "\n" in str(error)


def test_multicurrency_allows_a_foreign_currency():
    assert make_draft(currency="eur", home_currency="usd", multicurrency=True).currency == "EUR"
    assert make_draft(currency="CAD").currency == "CAD"  # home currency unknown: nothing to compare with


def test_doc_number_limits_accept_21_safe_characters():
    assert make_draft(doc_number="A-Za_z/0.9-123456789x").doc_number == "A-Za_z/0.9-123456789x"


def test_description_and_private_note_are_cut_with_a_marker_never_refused():
    exact = "d" * 4000
    assert JournalLine(**line(description=exact)).description == exact
    long_line = JournalLine(**line(description="WH/OUT/1 " + "x" * 5000))
    assert len(long_line.description) == 4000
    assert long_line.description.endswith(TRUNCATION_MARKER)
    assert long_line.description.startswith("WH/OUT/1 xxx")
    draft = make_draft(private_note="n" * 9000)
    assert len(draft.private_note) == 4000
    assert draft.private_note == "n" * (4000 - len(TRUNCATION_MARKER)) + "… [truncated]"


def test_control_characters_are_removed_from_text():
    assert JournalLine(**line(description="a\x00b\x07c\td\ne")).description == "abc\td\ne"


def test_refs_accept_integer_ids_and_drop_no_name():
    assert Ref(value=81).to_qbo() == {"value": "81"}
    assert Ref(value="81", name="Inventory Asset").to_qbo() == {"value": "81", "name": "Inventory Asset"}


def test_models_are_immutable():
    draft = make_draft()
    with pytest.raises(ValidationError):
        draft.doc_number = "OTHER"


def test_signature_is_order_independent_and_normalised():
    draft = shipment_draft()
    assert draft.signature() == (
        ("Credit", "81", Decimal("33.34"), "", ""),
        ("Credit", "81", Decimal("66.67"), "", "2"),
        ("Debit", "60", Decimal("100.01"), "5000000000000010", "2"),
    )
    reordered = make_draft(lines=list(reversed(draft.lines)), doc_number="OTHER", private_note="other")
    assert reordered.signature() == draft.signature()


def test_entry_signature_of_an_entry_read_back_from_qbo():
    read_back = {
        "JournalEntry": {
            "Id": "227",
            "SyncToken": "0",
            "DocNumber": "INV-53ALUSFF4VPLPA25",
            "TxnDate": "2024-05-31",
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "Line": [
                {"Id": "2", "LineNum": 2, "Amount": 66.67, "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "81"},
                                            "DepartmentRef": {"value": "2", "name": "Main warehouse"}}},
                {"Id": "0", "LineNum": 1, "Amount": 100.01, "Description": "edited text does not matter",
                 "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Debit",
                                            "AccountRef": {"value": "60", "name": "Cost of Goods Sold"},
                                            "ClassRef": {"value": "5000000000000010"},
                                            "DepartmentRef": {"value": "2"}}},
                {"Id": "3", "Amount": "33.340", "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "81"}}},
                {"Id": "4", "Description": "note line", "DetailType": "DescriptionOnly", "DescriptionLineDetail": {}},
            ],
        },
        "time": "2024-05-31T10:00:00-07:00",
    }
    assert entry_signature(read_back) == shipment_draft().signature()
    assert entry_signature(read_back["JournalEntry"]) == shipment_draft().signature()


@pytest.mark.parametrize(
    "change",
    [
        lambda lines: lines[0].update(Amount=100.02) or lines[1].update(Amount=66.68),
        lambda lines: lines[0]["JournalEntryLineDetail"]["AccountRef"].update(value="61"),
        lambda lines: lines[0]["JournalEntryLineDetail"].pop("ClassRef"),
        lambda lines: lines[1]["JournalEntryLineDetail"].update(DepartmentRef={"value": "3"}),
        lambda lines: lines.pop(),
    ],
    ids=["amount", "account", "class", "department", "line-removed"],
)
def test_entry_signature_differs_when_qbo_holds_another_entry(change):
    body = shipment_draft().to_qbo()
    change(body["Line"])
    assert entry_signature(body) != shipment_draft().signature()


def test_entry_signature_refuses_a_malformed_line():
    with pytest.raises(ValueError, match="JournalEntry line lacks 'AccountRef'"):
        entry_signature({"Line": [{"Amount": 1, "DetailType": "JournalEntryLineDetail",
                                   "JournalEntryLineDetail": {"PostingType": "Debit"}}]})


def test_from_qbo_reads_back_the_draft_a_payload_was_made_from():
    sent = shipment_draft()
    stored = json.loads(json.dumps(sent.to_qbo()))  # as the posting keeps it (a JSON column)
    again = JournalEntryDraft.from_qbo(stored)
    assert again.signature() == sent.signature()
    assert again.to_qbo() == sent.to_qbo()
    assert (again.doc_number, again.txn_date, again.total) == ("INV-53ALUSFF4VPLPA25", date(2024, 5, 31),
                                                                Decimal("100.01"))
