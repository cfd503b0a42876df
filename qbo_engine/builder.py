"""Valued lines + account mapping -> one balanced :class:`JournalEntryDraft`.

Odoo's valuation layers give signed amounts (+ debit, - credit) per account
*role*; this module turns them into QBO accounts, classes and departments,
rounds to cents without losing a cent, and names the entry with a DocNumber
derived from the posting key, so the same key can never make two entries.

Account mapping precedence (``AccountMapping.resolve``): among the rows of a
role whose every set scope field equals the requested one (an unset field
matches anything), the most specific row wins, compared in this order:

1. a row for the requested landed-cost ``cost_type`` beats any row without it
   (the cost type is a sub-role: "Accrued Landed Cost - Freight");
2. more matching scope fields among warehouse / category / channel;
3. ties: warehouse beats category, category beats channel.

So for warehouse WH2, category Furniture, channel web the order is
(WH2, Furniture, web) > (WH2, Furniture, -) > (WH2, -, web) > (-, Furniture, web)
> (WH2, -, -) > (-, Furniture, -) > (-, -, web) > company-wide (-, -, -).
Two rows with the same role and scope are refused, so no tie can remain.
"""
import base64
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from .money import cut_text, format_amount, format_number, to_cents, to_decimal
from .schemas import DESCRIPTION_MAX, JournalEntryDraft, JournalLine, Ref

MAPPING_MENU = "QuickBooks > Configuration > Account mapping"
DIMENSION_MENU = "QuickBooks > Configuration"
DEFAULT_MAX_IMBALANCE = Decimal("0.05")
DOC_HASH_LENGTH = 16  # 16 base32 characters = 80 bits of SHA-256
DOC_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9]{0,4}")  # used with fullmatch
SCOPE_FIELDS = ("warehouse", "category", "channel")


def _signed_amount(value):
    return to_decimal(value, "amount")


def _optional_number(value):
    return None if value is None else to_decimal(value, "number")


class ValuedLine(BaseModel):
    """One valued movement for one account role; ``amount`` is signed: + debit, - credit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    amount: Annotated[Decimal, BeforeValidator(_signed_amount)]
    product: str = ""
    quantity: Annotated[Decimal | None, BeforeValidator(_optional_number)] = None
    unit_cost: Annotated[Decimal | None, BeforeValidator(_optional_number)] = None
    document: str = ""
    reason: str = ""
    channel: str | None = None
    warehouse: str | None = None
    category: str | None = None
    cost_type: str | None = None

    @field_validator("role")
    @classmethod
    def _role_not_blank(cls, value):
        if not value.strip():
            raise ValueError("role must not be empty")
        return value

    def describe(self):
        """What the line is: document | product | qty x unit cost | cost type | reason."""
        parts = [part for part in (self.document, self.product) if part]
        if self.quantity is not None and self.unit_cost is not None:
            parts.append(f"qty {format_number(self.quantity)} x {format_number(self.unit_cost, 2)}")
        elif self.quantity is not None:
            parts.append(f"qty {format_number(self.quantity)}")
        elif self.unit_cost is not None:
            parts.append(f"unit cost {format_number(self.unit_cost, 2)}")
        if self.cost_type:
            parts.append(f"cost type {self.cost_type}")
        if self.reason:
            parts.append(self.reason)
        return " | ".join(parts) or self.role


class MappingMissing(ValueError):
    """No account is mapped for a role in the scope of a line; a person must add the mapping."""

    def __init__(self, role, warehouse=None, category=None, channel=None, cost_type=None):
        self.role = role
        self.warehouse = warehouse
        self.category = category
        self.channel = channel
        self.cost_type = cost_type
        self.user_message = self._sentence()
        super().__init__(self.user_message)

    @property
    def scope(self):
        return {
            "warehouse": self.warehouse,
            "category": self.category,
            "channel": self.channel,
            "cost_type": self.cost_type,
        }

    def _sentence(self):
        given = [f"{name.replace('_', ' ')} '{value}'" for name, value in self.scope.items() if value is not None]
        where = f" ({', '.join(given)})" if given else ""
        what = f"role '{self.role}'"
        if self.cost_type is not None:
            what += f" with cost type '{self.cost_type}'"
        # Suggest one row at the line's warehouse (else category, else channel).
        scope = next(
            (f" for {name} '{getattr(self, name)}'" for name in SCOPE_FIELDS if getattr(self, name) is not None), ""
        )
        return (
            f"No QuickBooks account is mapped for role '{self.role}'{where}. "
            f"Map {what}{scope} in {MAPPING_MENU}, or add a company-wide row for it."
        )


class DimensionMissing(ValueError):
    """A channel has no QBO class (or a warehouse no department) and the company requires one."""

    def __init__(self, dimension, key):
        self.dimension = dimension
        self.key = key
        source = "channel" if dimension == "class" else "warehouse"
        self.user_message = (
            f"No QuickBooks {dimension} is mapped for {source} '{key}'. "
            f"Map {source} '{key}' to a QuickBooks {dimension} in {DIMENSION_MENU}."
        )
        super().__init__(self.user_message)


class UnbalancedEntry(ValueError):
    """The valued lines of a posting do not sum to zero, beyond what rounding explains."""

    def __init__(self, posting_key, debit, credit, allowance):
        self.posting_key = posting_key
        self.debit = debit
        self.credit = credit
        self.difference = debit - credit
        super().__init__(
            f"Posting {posting_key!r} does not balance: debits {format_number(debit, 2)}, "
            f"credits {format_number(credit, 2)}, difference {format_number(self.difference, 2)} "
            f"exceeds the {format_amount(allowance)} rounding allowance; its valued lines must sum to zero."
        )


class NothingToPost(ValueError):
    """Every line of a posting rounds to 0.00 (or only one side is left): no entry to send."""

    def __init__(self, posting_key):
        self.posting_key = posting_key
        super().__init__(
            f"Posting {posting_key!r} has nothing to post: its amounts round to less than a cent."
        )


class MappingRow(NamedTuple):
    """One row of ``qbo.account.mapping``: an unset scope field means 'any'."""

    role: str
    account: Ref
    warehouse: str | None = None
    category: str | None = None
    channel: str | None = None
    cost_type: str | None = None

    def specificity(self):
        # See the module docstring: cost type first, then count, then warehouse > category > channel.
        scoped = tuple(getattr(self, name) is not None for name in SCOPE_FIELDS)
        return (self.cost_type is not None, sum(scoped), *scoped)

    def matches(self, request):
        return all(
            getattr(self, name) is None or getattr(self, name) == request[name]
            for name in (*SCOPE_FIELDS, "cost_type")
        )


def _as_ref(value):
    if isinstance(value, Ref):
        return value
    if isinstance(value, dict):
        return Ref(**value)
    return Ref(value=value)


class AccountMapping:
    """Role -> QBO account, per company with optional warehouse / category / channel / cost type scope.

    ``rows`` are :class:`MappingRow` or plain tuples
    ``(role, account, warehouse, category, channel[, cost_type])`` where
    ``account`` is a :class:`Ref`, a ``{"value", "name"}`` dict or an id.
    """

    def __init__(self, rows):
        by_role = {}
        for raw in rows:
            if isinstance(raw, MappingRow):
                row = raw
            elif isinstance(raw, dict):
                row = MappingRow(**raw)
            else:
                row = MappingRow(*raw)
            row = row._replace(account=_as_ref(row.account))
            scope = (row.warehouse, row.category, row.channel, row.cost_type)
            existing = by_role.setdefault(row.role, {}).get(scope)
            if existing is not None and existing.account.value != row.account.value:
                raise ValueError(
                    f"role {row.role!r} is mapped twice for the same scope {scope}: "
                    f"accounts {existing.account.value} and {row.account.value}"
                )
            by_role[row.role][scope] = row
        self._rows = MappingProxyType({role: tuple(rows.values()) for role, rows in by_role.items()})

    def resolve(self, role, warehouse=None, category=None, channel=None, cost_type=None):
        """The account of the most specific matching row; :class:`MappingMissing` when none matches."""
        request = {"warehouse": warehouse, "category": category, "channel": channel, "cost_type": cost_type}
        candidates = [row for row in self._rows.get(role, ()) if row.matches(request)]
        if not candidates:
            raise MappingMissing(role, warehouse, category, channel, cost_type)
        return max(candidates, key=MappingRow.specificity).account

    def roles(self):
        return frozenset(self._rows)


class DimensionMap:
    """Sales channel -> QBO Class, warehouse -> QBO Department (location).

    An unmapped channel or warehouse posts without a class or department,
    unless ``require_class`` / ``require_department`` is set (for companies
    whose reports must be complete by class or location).
    """

    def __init__(self, classes=None, departments=None, require_class=False, require_department=False):
        self._classes = MappingProxyType({key: _as_ref(ref) for key, ref in (classes or {}).items()})
        self._departments = MappingProxyType({key: _as_ref(ref) for key, ref in (departments or {}).items()})
        self.require_class = require_class
        self.require_department = require_department

    def class_for(self, channel):
        if channel is None:
            return None
        ref = self._classes.get(channel)
        if ref is None and self.require_class:
            raise DimensionMissing("class", channel)
        return ref

    def department_for(self, warehouse):
        if warehouse is None:
            return None
        ref = self._departments.get(warehouse)
        if ref is None and self.require_department:
            raise DimensionMissing("department", warehouse)
        return ref


def doc_number_for(posting_key, prefix="INV"):
    """The DocNumber of a posting: ``prefix-`` + 16 base32 characters of SHA-256(key).

    Deterministic (the same key gives the same number on every retry and
    every server), at most 21 characters, letters/digits/'-' only, and 80 bits
    of hash make a collision between two keys of one company negligible.
    """
    if not isinstance(posting_key, str) or not posting_key:
        raise ValueError(f"posting_key must be a non-empty string, got {posting_key!r}")
    if not isinstance(prefix, str) or not DOC_PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"prefix must be at most 4 letters or digits, got {prefix!r}")
    digest = hashlib.sha256(posting_key.encode("utf-8")).digest()
    code = base64.b32encode(digest).decode("ascii")[:DOC_HASH_LENGTH]
    return f"{prefix}-{code}" if prefix else code


@dataclass
class _Part:
    """A valued line on its way to a journal line."""

    source: ValuedLine
    raw: Decimal
    rounded: Decimal
    adjustment: Decimal = Decimal("0.00")
    account: Ref | None = None
    class_ref: Ref | None = None
    department: Ref | None = None

    @property
    def amount(self):
        return self.rounded + self.adjustment

    @property
    def posting_type(self):
        return "Debit" if self.amount > 0 else "Credit"

    def description(self):
        text = self.source.describe()
        if self.adjustment:
            # Stated on the line's own side: "+0.01" means this line grew by a cent.
            grown = self.adjustment if self.amount > 0 else -self.adjustment
            text += f" | rounding {grown:+}"
        return text

    def merge_key(self):
        return (
            self.posting_type,
            self.account.value,
            self.class_ref.value if self.class_ref else "",
            self.department.value if self.department else "",
        )


def _absorb_remainder(parts, remainder, posting_key):
    """Put the rounding remainder on one line so the entry balances to the cent.

    The largest line whose own rounding leaned the other way takes it (it ends
    closer to its exact value; an amount already exact in cents stays as it
    is); if there is none, the largest line. Ties go to the first line. A line
    never changes side or becomes zero.
    """

    def can_take(part):
        new = part.rounded + remainder
        return new != 0 and (new > 0) == (part.rounded > 0)

    able = [part for part in parts if can_take(part)]
    leaning = [part for part in able if (part.rounded - part.raw) * remainder < 0]
    pool = leaning or able
    if not pool:
        debit = sum((p.rounded for p in parts if p.rounded > 0), Decimal("0.00"))
        raise UnbalancedEntry(posting_key, debit, debit + remainder, Decimal("0.00"))
    max(pool, key=lambda part: abs(part.rounded)).adjustment = remainder


def _summary_description(parts):
    """Merged line: one detail row per source line, cut with a count of what did not fit."""
    rows = [f"{part.description()} = {format_amount(abs(part.amount))}" for part in parts]
    text = "\n".join(rows)
    if len(text) <= DESCRIPTION_MAX:
        return text
    room = DESCRIPTION_MAX - len(f"\n… [truncated: {len(rows)} more lines]")
    kept, used = [], 0
    for row in rows:
        extra = len(row) + (1 if kept else 0)
        if used + extra > room:
            break
        kept.append(row)
        used += extra
    if not kept:
        kept = [cut_text(rows[0], room)]
    return "\n".join(kept) + f"\n… [truncated: {len(rows) - len(kept)} more lines]"


def build_entry(
    posting_key,
    lines,
    mapping,
    txn_date,
    currency,
    dimensions=None,
    summary=False,
    private_note="",
    home_currency=None,
    *,
    multicurrency=False,
    doc_prefix="INV",
    max_imbalance=DEFAULT_MAX_IMBALANCE,
):
    """One balanced :class:`JournalEntryDraft` for the valued lines of one posting.

    Each line is rounded to cents (half away from zero); lines that round to
    0.00 are dropped; the remainder goes to one line (see
    ``_absorb_remainder``), never dropped. Detail mode keeps one journal line
    per valued line; ``summary=True`` merges lines with the same posting type,
    account, class and department and lists the details in the description.
    An empty ``private_note`` becomes "Inventory posting <key>" so the entry
    can be traced back from QBO.

    Raises :class:`UnbalancedEntry` when the signed amounts are off by more than
    ``max_imbalance``, :class:`NothingToPost` when nothing is left after
    rounding, :class:`MappingMissing` / :class:`DimensionMissing` when a role,
    channel or warehouse has no QBO counterpart.
    """
    valued = [line if isinstance(line, ValuedLine) else ValuedLine.model_validate(line) for line in lines]
    debit = sum((line.amount for line in valued if line.amount > 0), Decimal("0"))
    credit = -sum((line.amount for line in valued if line.amount < 0), Decimal("0"))
    if abs(debit - credit) > max_imbalance:
        raise UnbalancedEntry(posting_key, debit, credit, max_imbalance)

    parts = [_Part(source=line, raw=line.amount, rounded=to_cents(line.amount)) for line in valued]
    parts = [part for part in parts if part.rounded]
    if not any(p.rounded > 0 for p in parts) or not any(p.rounded < 0 for p in parts):
        raise NothingToPost(posting_key)

    dimensions = dimensions or DimensionMap()
    for part in parts:
        line = part.source
        part.account = mapping.resolve(line.role, line.warehouse, line.category, line.channel, line.cost_type)
        part.class_ref = dimensions.class_for(line.channel)
        part.department = dimensions.department_for(line.warehouse)

    remainder = -sum(part.rounded for part in parts)
    if remainder:
        _absorb_remainder(parts, remainder, posting_key)

    if summary:
        groups = {}
        for part in parts:
            groups.setdefault(part.merge_key(), []).append(part)
        journal_lines = [
            JournalLine(
                posting_type=group[0].posting_type,
                amount=abs(sum(part.amount for part in group)),
                account=group[0].account,
                class_ref=group[0].class_ref,
                department=group[0].department,
                description=_summary_description(group),
            )
            for group in groups.values()
        ]
    else:
        journal_lines = [
            JournalLine(
                posting_type=part.posting_type,
                amount=abs(part.amount),
                account=part.account,
                class_ref=part.class_ref,
                department=part.department,
                description=part.description(),
            )
            for part in parts
        ]

    return JournalEntryDraft(
        doc_number=doc_number_for(posting_key, doc_prefix),
        txn_date=txn_date,
        currency=currency,
        home_currency=home_currency,
        multicurrency=multicurrency,
        private_note=private_note or f"Inventory posting {posting_key}",
        lines=journal_lines,
    )
