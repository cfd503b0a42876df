"""QBO's query language, the subset this project uses.

    SELECT * | COUNT(*) | field, ... FROM Entity
      [WHERE cond AND cond ...]            cond: field op value | field IN (v, ...) | field LIKE '%x%'
      [ORDER BY | ORDERBY field [ASC|DESC], ...]
      [STARTPOSITION n] [MAXRESULTS n]     1-based start; page <= 1000 rows, default 100

Name lists (Account, Class, Department, Item) return active rows only unless the
query mentions Active, as QBO does. There is no OR, as in QBO.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from . import qbo_faults
from .clock import parse_qbo_datetime

MAX_RESULTS_LIMIT = 1000
DEFAULT_MAX_RESULTS = 100
ENTITIES = {name.lower(): name for name in (
    'JournalEntry', 'Account', 'Class', 'Department', 'Item', 'CompanyInfo', 'Preferences', 'Vendor', 'Bill',
    'VendorCredit', 'Customer', 'Invoice', 'Payment')}
NAME_LISTS = ('Account', 'Class', 'Department', 'Item')
KEYWORDS = {'select', 'from', 'where', 'and', 'in', 'like', 'order', 'orderby', 'by', 'asc', 'desc',
            'startposition', 'maxresults', 'count', 'true', 'false', 'or'}

TOKEN_RE = re.compile(r"""\s*(?:
    (?P<string>'(?:\\.|[^'\\])*')
  | (?P<number>-?\d+(?:\.\d+)?(?![A-Za-z_]))
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),*])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
)""", re.X)


@dataclass
class Condition:
    field: str
    op: str
    value: object


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list = None
    conditions: list = field(default_factory=list)
    order_by: list = field(default_factory=list)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS

    def equality_hint(self, name):
        """The value of ``name = 'x'`` or the values of ``name IN (...)``, for SQL pre-filtering."""
        for cond in self.conditions:
            if cond.field.lower() == name.lower():
                if cond.op == '=':
                    return [cond.value]
                if cond.op == 'in':
                    return list(cond.value)
        return None


def _tokenize(text: str) -> list:
    tokens, position = [], 0
    text = text.strip().rstrip(';')
    while position < len(text):
        match = TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise qbo_faults.query_parser_error(f'Encountered an unexpected character at column {position + 1}')
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == 'string':
            value = re.sub(r"\\(.)", r'\1', value[1:-1])
        elif kind == 'word' and value.lower() in KEYWORDS:
            kind, value = 'keyword', value.lower()
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, text):
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self, offset=0):
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        token = self.peek()
        if token[0] is None or (kind and token[0] != kind) or (value and token[1] != value):
            expected = value or kind or 'more input'
            found = token[1] if token[0] else 'end of query'
            raise qbo_faults.query_parser_error(f'Encountered "{found}", was expecting {expected}')
        self.index += 1
        return token

    def accept(self, kind, value=None) -> bool:
        token = self.peek()
        if token[0] == kind and (value is None or token[1] == value):
            self.index += 1
            return True
        return False

    def value(self):
        kind, value = self.take()
        if kind == 'string':
            return value
        if kind == 'number':
            return Decimal(value)
        if kind == 'keyword' and value in ('true', 'false'):
            return value == 'true'
        raise qbo_faults.query_parser_error(f'Encountered "{value}", was expecting a value')

    def parse(self) -> Query:
        self.take('keyword', 'select')
        count, fields = False, None
        if self.accept('keyword', 'count'):
            self.take('punct', '(')
            self.take('punct', '*')
            self.take('punct', ')')
            count = True
        elif self.accept('punct', '*'):
            while self.accept('punct', ','):
                self.take('word')
        else:
            fields = [self.take('word')[1]]
            while self.accept('punct', ','):
                fields.append(self.take('word')[1])
        self.take('keyword', 'from')
        entity_word = self.take('word')[1]
        entity = ENTITIES.get(entity_word.lower())
        if entity is None:
            raise qbo_faults.query_parser_error(f'Invalid entity name: {entity_word}')
        query = Query(entity=entity, count=count, fields=fields)
        if self.accept('keyword', 'where'):
            query.conditions.append(self.condition())
            while self.accept('keyword', 'and'):
                query.conditions.append(self.condition())
            if self.peek()[1] == 'or':
                raise qbo_faults.query_parser_error('OR is not supported; use IN')
        while self.peek()[0] is not None:
            if self.accept('keyword', 'orderby') or (self.accept('keyword', 'order') and self.take('keyword', 'by')):
                query.order_by.append(self.order_term())
                while self.accept('punct', ','):
                    query.order_by.append(self.order_term())
            elif self.accept('keyword', 'startposition'):
                query.start_position = int(self.take('number')[1])
            elif self.accept('keyword', 'maxresults'):
                query.max_results = int(self.take('number')[1])
            else:
                raise qbo_faults.query_parser_error(f'Encountered "{self.peek()[1]}" at the end of the query')
        if query.max_results > MAX_RESULTS_LIMIT:
            raise qbo_faults.query_validation_error(
                f'value {query.max_results} is too large. Max allowed value is {MAX_RESULTS_LIMIT}')
        if query.start_position < 1 or query.max_results < 1:
            raise qbo_faults.query_validation_error('STARTPOSITION and MAXRESULTS must be positive')
        return query

    def order_term(self):
        name = self.take('word')[1]
        descending = False
        if self.accept('keyword', 'desc'):
            descending = True
        else:
            self.accept('keyword', 'asc')
        return name, descending

    def condition(self) -> Condition:
        name = self.take('word')[1]
        if self.accept('keyword', 'in'):
            self.take('punct', '(')
            values = [self.value()]
            while self.accept('punct', ','):
                values.append(self.value())
            self.take('punct', ')')
            return Condition(name, 'in', values)
        if self.accept('keyword', 'like'):
            return Condition(name, 'like', str(self.value()))
        op = self.take('op')[1]
        return Condition(name, '!=' if op == '<>' else op, self.value())


def parse_query(text: str) -> Query:
    if not text or not text.strip():
        raise qbo_faults.query_parser_error('The query is empty')
    return _Parser(text).parse()


# === evaluation === #

def field_value(row: dict, path: str):
    """Dotted lookup; a reference ({value, name}) compares by its value."""
    current = row
    for part in path.split('.'):
        if not isinstance(current, dict):
            return None
        if part in current:
            current = current[part]
        else:
            match = next((key for key in current if key.lower() == part.lower()), None)
            if match is None:
                return None
            current = current[match]
    if isinstance(current, dict) and 'value' in current:
        return current['value']
    return current


def _coerce(left, right, path):
    """Bring both sides to a comparable type (date-times, numbers, booleans, strings)."""
    if isinstance(right, bool) or isinstance(left, bool):
        as_bool = {'true': True, 'false': False}
        left = as_bool.get(str(left).lower(), left) if not isinstance(left, bool) else left
        right = as_bool.get(str(right).lower(), right) if not isinstance(right, bool) else right
        return left, right
    if path.lower().endswith('time'):
        try:
            return parse_qbo_datetime(str(left)), parse_qbo_datetime(str(right))
        except ValueError:
            pass
    numeric = (isinstance(right, Decimal) or isinstance(left, (int, float, Decimal))
               or path.split('.')[-1].lower() in ('id', 'value'))
    if numeric:
        try:
            return Decimal(str(left)), Decimal(str(right))
        except (InvalidOperation, ValueError):
            pass
    # Strings compare as strings: DocNumber '001' must not equal '1'.
    return str(left), str(right)


def _like(value: str, pattern: str) -> bool:
    regex = '^' + '.*'.join(re.escape(part) for part in pattern.split('%')) + '$'
    return re.match(regex, value, re.IGNORECASE | re.DOTALL) is not None


def matches(row: dict, cond: Condition) -> bool:
    actual = field_value(row, cond.field)
    if actual is None:
        return False
    if cond.op == 'in':
        return any(_compare(actual, '=', option, cond.field) for option in cond.value)
    if cond.op == 'like':
        return _like(str(actual), cond.value)
    return _compare(actual, cond.op, cond.value, cond.field)


def _compare(actual, op, expected, path) -> bool:
    left, right = _coerce(actual, expected, path)
    try:
        return {'=': left == right, '!=': left != right, '<': left < right, '>': left > right,
                '<=': left <= right, '>=': left >= right}[op]
    except TypeError:
        return False


def _sort_key(row, name):
    value = field_value(row, name)
    if value is None:
        return (0, Decimal(0), '')
    if isinstance(value, bool):
        return (1, Decimal(int(value)), '')
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return (1, Decimal(str(value)), '')
    return (2, Decimal(0), str(value).lower())


def run_query(query: Query, rows: list) -> dict:
    """Filter, order and page rendered rows; return the QueryResponse dict."""
    conditions = list(query.conditions)
    if query.entity in NAME_LISTS and not any(c.field.lower() == 'active' for c in conditions):
        conditions.append(Condition('Active', '=', True))
    selected = [row for row in rows if all(matches(row, cond) for cond in conditions)]
    if query.count:
        return {'totalCount': len(selected)}
    selected.sort(key=lambda row: _sort_key(row, 'Id'))
    for name, descending in reversed(query.order_by):
        selected.sort(key=lambda row, n=name: _sort_key(row, n), reverse=descending)
    page = selected[query.start_position - 1:query.start_position - 1 + query.max_results]
    if not page:
        return {}
    if query.fields:
        keep = {name.split('.')[0].lower() for name in query.fields} | {'id', 'synctoken', 'domain'}
        page = [dict({k: v for k, v in row.items() if k.lower() in keep}, sparse=True) for row in page]
    return {query.entity: page, 'startPosition': query.start_position, 'maxResults': len(page)}
