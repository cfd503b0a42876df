"""Journal entry drafts as QuickBooks Online expects them, validated before sending.

A :class:`JournalEntryDraft` is what one ``qbo.posting`` becomes: balanced to
the cent, at least two lines, a DocNumber QBO accepts, descriptions and note
within QBO's 4000-character limits. :meth:`JournalEntryDraft.to_qbo` gives the
JSON body of Intuit's JournalEntry create call; :func:`entry_signature` lets an
entry read back from QBO be compared with the draft that should have made it.
"""
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator

from .money import (
    CENT,
    MAX_AMOUNT,
    clean_text,
    cut_text,
    format_amount,
    has_cents_only,
    json_number,
    to_cents,
    to_decimal,
)

DOC_NUMBER_MAX = 21
DESCRIPTION_MAX = 4000
PRIVATE_NOTE_MAX = 4000
DOC_NUMBER_PATTERN = re.compile(r"[A-Za-z0-9_\-/.]+")  # used with fullmatch
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
LINE_DETAIL_TYPE = "JournalEntryLineDetail"


def _ref_value(value):
    # QBO ids are strings; Odoo sometimes holds them as integers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _amount(value):
    return to_decimal(value, "amount")


def _currency(value, field):
    if not isinstance(value, str) or not CURRENCY_PATTERN.fullmatch(value.strip().upper()):
        raise ValueError(f"{field} must be a 3-letter ISO 4217 code such as 'USD', got {value!r}")
    return value.strip().upper()


class Ref(BaseModel):
    """A QBO reference (AccountRef, ClassRef, DepartmentRef, CurrencyRef): ``value`` is the id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Annotated[str, BeforeValidator(_ref_value)]
    name: str | None = None

    @field_validator("value")
    @classmethod
    def _value_not_blank(cls, value):
        if not value.strip():
            raise ValueError("value (the QuickBooks id) must not be empty")
        return value.strip()

    def to_qbo(self):
        data = {"value": self.value}
        if self.name is not None:
            data["name"] = self.name
        return data


class JournalLine(BaseModel):
    """One distribution line: a positive cents amount posted as Debit or Credit to an account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    posting_type: Literal["Debit", "Credit"]
    amount: Annotated[Decimal, BeforeValidator(_amount)]
    account: Ref
    class_ref: Ref | None = None
    department: Ref | None = None
    description: str = ""

    @field_validator("amount")
    @classmethod
    def _amount_positive_cents(cls, value):
        if value <= 0:
            raise ValueError(
                f"amount must be greater than 0, got {value}; post a negative value as the other posting type"
            )
        if not has_cents_only(value):
            raise ValueError(f"amount must have at most 2 decimal places, got {value}; round it to cents first")
        if value > MAX_AMOUNT:
            raise ValueError(f"amount must not exceed {MAX_AMOUNT}, got {value}")
        return value.quantize(CENT)

    @field_validator("description")
    @classmethod
    def _description_fits(cls, value):
        return cut_text(clean_text(value), DESCRIPTION_MAX)

    def to_qbo(self):
        detail = {"PostingType": self.posting_type, "AccountRef": self.account.to_qbo()}
        if self.class_ref is not None:
            detail["ClassRef"] = self.class_ref.to_qbo()
        if self.department is not None:
            detail["DepartmentRef"] = self.department.to_qbo()
        data = {}
        if self.description:
            data["Description"] = self.description
        data["Amount"] = json_number(self.amount)
        data["DetailType"] = LINE_DETAIL_TYPE
        data["JournalEntryLineDetail"] = detail
        return data

    def signature(self):
        return (
            self.posting_type,
            self.account.value,
            self.amount,
            self.class_ref.value if self.class_ref else "",
            self.department.value if self.department else "",
        )


class JournalEntryDraft(BaseModel):
    """A balanced journal entry ready for QBO.

    ``home_currency`` and ``multicurrency`` come from the company's QBO
    preferences; when ``home_currency`` is known and multicurrency is off, the
    entry's ``currency`` must be the home currency.
    """

    # Fields that other validators read come first: pydantic validates in order.
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_number: str
    txn_date: date
    home_currency: str | None = None
    multicurrency: bool = False
    currency: str
    private_note: str = ""
    lines: list[JournalLine]

    @field_validator("doc_number")
    @classmethod
    def _doc_number_safe(cls, value):
        if not value:
            raise ValueError("doc_number must not be empty")
        if len(value) > DOC_NUMBER_MAX:
            raise ValueError(
                f"doc_number must be at most {DOC_NUMBER_MAX} characters, got {len(value)} ({value!r})"
            )
        if not DOC_NUMBER_PATTERN.fullmatch(value):
            raise ValueError(f"doc_number may contain only letters, digits and - _ / . ; got {value!r}")
        return value

    @field_validator("home_currency")
    @classmethod
    def _home_currency_code(cls, value):
        return None if value is None else _currency(value, "home_currency")

    @field_validator("currency")
    @classmethod
    def _currency_matches_home(cls, value, info: ValidationInfo):
        value = _currency(value, "currency")
        home = info.data.get("home_currency")
        if home and value != home and not info.data.get("multicurrency"):
            raise ValueError(
                f"currency {value} differs from the company's home currency {home} and multicurrency is off; "
                "turn multicurrency on in QuickBooks or post in the home currency"
            )
        return value

    @field_validator("private_note")
    @classmethod
    def _private_note_fits(cls, value):
        return cut_text(clean_text(value), PRIVATE_NOTE_MAX)

    @field_validator("lines")
    @classmethod
    def _lines_balance(cls, lines):
        if len(lines) < 2:
            raise ValueError(
                f"lines must hold at least two lines (a debit and a credit), got {len(lines)}"
            )
        debit = sum((line.amount for line in lines if line.posting_type == "Debit"), Decimal("0.00"))
        credit = sum((line.amount for line in lines if line.posting_type == "Credit"), Decimal("0.00"))
        if debit != credit:
            raise ValueError(
                f"lines do not balance: debits {format_amount(debit)}, credits {format_amount(credit)} "
                f"(difference {format_amount(debit - credit)}); the entry must balance to the cent"
            )
        return lines

    @property
    def total(self):
        """Sum of the debit lines (= sum of the credit lines)."""
        return sum((line.amount for line in self.lines if line.posting_type == "Debit"), Decimal("0.00"))

    @classmethod
    def from_qbo(cls, data):
        """The draft a :meth:`to_qbo` body was made from: what was sent, read back from the stored payload.

        The reconciliation compares QuickBooks with this, never with the entry rebuilt through
        today's account mapping (a mapping changed since must not look like an edit in QuickBooks).
        """
        def ref(value):
            return Ref(**value) if value else None

        lines = []
        for line in data.get("Line") or []:
            detail = line.get(LINE_DETAIL_TYPE) or {}
            lines.append(JournalLine(
                posting_type=detail.get("PostingType"), amount=line.get("Amount"),
                account=ref(detail.get("AccountRef")), class_ref=ref(detail.get("ClassRef")),
                department=ref(detail.get("DepartmentRef")), description=line.get("Description") or ""))
        return cls(doc_number=data.get("DocNumber"), txn_date=data.get("TxnDate"),
                   currency=(data.get("CurrencyRef") or {}).get("value"), multicurrency=True,
                   private_note=data.get("PrivateNote") or "", lines=lines)

    def to_qbo(self):
        """The JSON body of QBO's JournalEntry create (JSON-ready: amounts are numbers)."""
        data = {
            "DocNumber": self.doc_number,
            "TxnDate": self.txn_date.isoformat(),
        }
        if self.private_note:
            data["PrivateNote"] = self.private_note
        data["CurrencyRef"] = {"value": self.currency}
        data["Line"] = [line.to_qbo() for line in self.lines]
        return data

    def signature(self):
        """Order-independent content of the lines; equal to :func:`entry_signature` of the created entry."""
        return tuple(sorted(line.signature() for line in self.lines))


def entry_signature(qbo_entry_json):
    """The :meth:`JournalEntryDraft.signature` of a JournalEntry read back from QBO.

    Accepts the entry itself or the ``{"JournalEntry": {...}}`` wrapper of a
    read/create answer. Lines other than JournalEntryLineDetail (QBO may add
    DescriptionOnly lines) carry no amount and are ignored.
    """
    entry = qbo_entry_json.get("JournalEntry", qbo_entry_json)
    items = []
    for line in entry.get("Line") or []:
        if line.get("DetailType") != LINE_DETAIL_TYPE:
            continue
        detail = line.get(LINE_DETAIL_TYPE) or {}
        try:
            account = detail["AccountRef"]["value"]
            posting_type = detail["PostingType"]
            amount = to_cents(to_decimal(line["Amount"], "Amount"))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"JournalEntry line lacks {exc}: {line!r}") from None
        items.append(
            (
                posting_type,
                str(account),
                amount,
                str((detail.get("ClassRef") or {}).get("value") or ""),
                str((detail.get("DepartmentRef") or {}).get("value") or ""),
            )
        )
    return tuple(sorted(items))
