"""Money as ``Decimal``: parsing, rounding to cents, JSON numbers, text limits.

QuickBooks Online stores amounts with two decimals. Odoo hands us values with
more precision (unit cost x quantity, landed-cost splits), so every amount is
parsed here once, rounded here once, and never travels as a binary float
until the very last step, :func:`json_number`.
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# Largest amount accepted on a line. Fifteen significant digits survive the
# float of a JSON number exactly, so 13 integer digits + 2 decimals is the cap.
MAX_AMOUNT = Decimal("9999999999999.99")

TRUNCATION_MARKER = "… [truncated]"

# C0 control characters other than tab / newline / carriage return are not
# allowed in XML 1.0, which QBO uses internally; they make a create fail.
_CONTROL_CHARS = {c: None for c in range(32) if c not in (9, 10, 13)}
_CONTROL_CHARS[127] = None


def to_decimal(value, field="amount"):
    """Parse ``value`` (Decimal, int, str or float) into a finite ``Decimal``.

    Floats go through ``repr`` so ``0.1`` becomes ``Decimal('0.1')``, not the
    binary expansion. Booleans, NaN and infinities are refused with a message
    naming ``field``.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{field} must be a number, got {value!r}") from None
    else:
        raise ValueError(f"{field} must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{field} must be a finite number, got {value!r}")
    return result


def to_cents(value):
    """Round to two decimals, half away from zero (as Odoo rounds currency)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def has_cents_only(value):
    """True when ``value`` needs no rounding to be stated in cents."""
    return value == value.quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(value):
    """A cents ``Decimal`` as a JSON-ready number.

    ``json``/``requests`` cannot encode ``Decimal``; below :data:`MAX_AMOUNT` a
    float's repr is the shortest exact decimal, so 100.10 travels as 100.1.
    """
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def format_amount(value):
    """``Decimal('1234.5')`` -> ``'1234.50'`` (cents, no grouping)."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def format_number(value, min_places=0):
    """A quantity or unit cost without exponent or trailing zeros.

    ``Decimal('3.000')`` -> ``'3'``; with ``min_places=2``, ``Decimal('10')`` ->
    ``'10.00'`` and ``Decimal('33.333300')`` -> ``'33.3333'``.
    """
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.ljust(min_places, "0")
    if whole == "-0" and not fraction.strip("0"):
        whole = "0"
    return f"{whole}.{fraction}" if fraction else whole


def clean_text(text):
    """Drop control characters QBO refuses (keeps tab and newlines)."""
    return text.translate(_CONTROL_CHARS)


def cut_text(text, limit, marker=TRUNCATION_MARKER):
    """Cut ``text`` to at most ``limit`` characters, ending with ``marker``.

    Text that fits is returned unchanged; longer text keeps its beginning and
    ends with the visible marker, so a reader knows something is missing.
    """
    if len(text) <= limit:
        return text
    if len(marker) >= limit:
        return marker[:limit]
    return text[: limit - len(marker)].rstrip() + marker
