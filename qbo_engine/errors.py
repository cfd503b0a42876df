"""One error type for every QuickBooks Online failure, and the rules that classify them.

Whatever goes wrong (an HTTP fault, a timeout, an XML throttle reply, a dead
refresh token) ends up as a single :class:`QboError` whose ``kind`` tells the
caller what to do next:

* ``retry_later`` – nothing was booked; try again after ``retry_after`` seconds;
* ``reauth``      – the connection must be refreshed or reconnected;
* ``ambiguous``   – QuickBooks may or may not have booked it: look the entry up
  by DocNumber before sending it again;
* ``blocked``     – a person must act (closed period, deleted account, ...);
* ``config``      – our own settings are wrong (address, limits, request ids).

python-quickbooks raises one exception class per fault-code range, but loses
the HTTP status and cannot read the XML bodies QuickBooks sends on throttling
and some authentication failures; the classification here keeps both.
"""
import copy
import enum
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

DEFAULT_RETRY_AFTER = 60.0

# Fault codes, as documented by Intuit (error-codes page) and seen in the field.
THROTTLE_CODES = frozenset({'3001'})
AUTH_CODES = frozenset({'100', '120', '3100', '3200'})
CLOSED_PERIOD_CODES = frozenset({'6200', '6210'})
INVALID_REFERENCE_CODES = frozenset({'610', '2500'})
BUSINESS_VALIDATION_CODE = '6000'
DUPLICATE_DOC_NUMBER_CODE = '6140'
STALE_OBJECT_CODE = '5010'
SYSTEM_FAULT_CODE = '10000'  # "An application error has occurred": QuickBooks failed, it did not refuse
# QuickBooks' answer to a changedSince beyond CDC's 30 days: "... which is older than fixed days is not supported."
CDC_TOO_OLD_PATTERN = re.compile(r'changedSince.*older than', re.IGNORECASE | re.DOTALL)

_DATE_PATTERNS = (
    (re.compile(r'(\d{4}-\d{2}-\d{2})'), '%Y-%m-%d'),
    (re.compile(r'(\d{1,2}/\d{1,2}/\d{4})'), '%m/%d/%Y'),
)


class ErrorKind(str, enum.Enum):
    RETRY_LATER = 'retry_later'
    REAUTH = 'reauth'
    AMBIGUOUS = 'ambiguous'
    BLOCKED = 'blocked'
    CONFIG = 'config'


class QboError(Exception):
    """A classified QuickBooks failure.

    :param kind: what the caller should do next (:class:`ErrorKind`)
    :param message: QuickBooks' short message (or ours when QuickBooks gave none)
    :param fault_code: QuickBooks' fault code as a string ('6210'), or None
    :param http_status: HTTP status of the reply, None when no reply was read
    :param detail: QuickBooks' detail text
    :param element: the request element QuickBooks blamed, when it named one
    :param retry_after: seconds to wait before the next call, when known
    :param user_message: one sentence an accountant can act on
    :param closing_date: the books' closing date for a closed-period fault
    :param reason: short machine-readable cause ('throttled', 'closed_period',
        'invalid_reference', 'conflict', ...), stable for the Odoo side
    :param reading: for a failed read, machine-readable name of what was read ('accounts',
        'classes', 'departments', 'items', 'preferences', 'company_info', 'query',
        'journal_entry', 'journal_entries', 'trial_balance', 'cdc'); '' for sends
    """

    def __init__(self, kind, message, *, fault_code=None, http_status=None, detail='', element='',
                 retry_after=None, user_message='', closing_date=None, reason='', reading=''):
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.fault_code = str(fault_code) if fault_code not in (None, '') else None
        self.http_status = http_status
        self.detail = detail or ''
        self.element = element or ''
        self.retry_after = retry_after
        self.user_message = user_message or message
        self.closing_date = closing_date
        self.reason = reason or ''
        self.reading = reading or ''

    def __str__(self):
        parts = [self.kind.value]
        if self.http_status:
            parts.append('HTTP %s' % self.http_status)
        if self.fault_code:
            parts.append('fault %s' % self.fault_code)
        text = '%s: %s' % (' '.join(parts), self.message)
        if self.detail and self.detail != self.message:
            text += ' (%s)' % self.detail
        return text

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, self)

    def __reduce__(self):
        # Keyword-only attributes: rebuild from the state, so copy.copy() and pickle work.
        return _restore_error, (type(self), dict(self.__dict__))

    @property
    def is_throttle(self):
        return self.http_status == 429 or self.fault_code in THROTTLE_CODES

    def to_dict(self):
        """Plain JSON-ready dict, for storing on a posting attempt."""
        return {
            'kind': self.kind.value,
            'reason': self.reason,
            'reading': self.reading,
            'fault_code': self.fault_code,
            'http_status': self.http_status,
            'message': self.message,
            'detail': self.detail,
            'element': self.element,
            'retry_after': self.retry_after,
            'user_message': self.user_message,
            'closing_date': self.closing_date.isoformat() if self.closing_date else None,
        }


def _restore_error(cls, state):
    error = cls.__new__(cls)
    Exception.__init__(error, state.get('message'))
    error.reading = ''  # errors pickled before reads named themselves
    error.__dict__.update(state)
    return error


class ReconnectNeeded(QboError):
    """The refresh token is dead (``invalid_grant``): someone must reconnect the company."""

    def __init__(self, message='reconnect needed', *, http_status=400, detail=''):
        super().__init__(
            ErrorKind.REAUTH, message, fault_code='invalid_grant', http_status=http_status, detail=detail,
            reason='reconnect',
            user_message='The QuickBooks connection has expired or was revoked: reconnect the company to '
                         'QuickBooks, then posting resumes by itself.')


# === PARSING QUICKBOOKS REPLIES === #

def parse_faults(body):
    """Read QuickBooks' fault list from a reply body.

    Understands the JSON ``Fault`` object, the lower-case ``fault`` object of
    authentication failures and the XML ``IntuitResponse``.

    :returns: (fault type, list of dicts with code/message/detail/element), or
        (None, []) when the body carries no fault; None when it is unreadable.
    """
    if isinstance(body, bytes):
        body = body.decode('utf-8', errors='replace')
    text = (body or '').strip()
    if not text:
        return None, []
    if text.startswith('<'):
        return _parse_xml_faults(text)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return parse_fault_object(data.get('Fault') or data.get('fault'))


def parse_fault_object(fault):
    """Normalise one JSON fault object (either letter case) to (type, errors)."""
    if not isinstance(fault, dict):
        return None, []
    errors = []
    for error in fault.get('Error') or fault.get('error') or []:
        if not isinstance(error, dict):
            continue
        errors.append({
            'code': str(error.get('code') or error.get('Code') or ''),
            'message': error.get('Message') or error.get('message') or '',
            'detail': error.get('Detail') or error.get('detail') or '',
            'element': error.get('element') or error.get('Element') or '',
        })
    return fault.get('type') or fault.get('Type'), errors


def _parse_xml_faults(text):
    # Entity declarations have no business in a QuickBooks reply; refuse them instead of expanding them.
    if '<!DOCTYPE' in text or '<!ENTITY' in text:
        return None
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    fault = next((node for node in root.iter() if _local(node.tag) == 'Fault'), None)
    if fault is None:
        return None, []
    errors = []
    for node in fault:
        if _local(node.tag) != 'Error':
            continue
        texts = {_local(child.tag): (child.text or '').strip() for child in node}
        errors.append({
            'code': node.get('code', ''),
            'message': texts.get('Message', ''),
            'detail': texts.get('Detail', ''),
            'element': node.get('element', ''),
        })
    return fault.get('type'), errors


def _local(tag):
    return tag.rsplit('}', 1)[-1]


def parse_retry_after(headers, default=DEFAULT_RETRY_AFTER):
    """Seconds to wait from a Retry-After header (seconds or HTTP date); QuickBooks rarely sends one."""
    value = None
    for key, header_value in (headers or {}).items():
        if key.lower() == 'retry-after':
            value = header_value
            break
    if value in (None, ''):
        return default
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def parse_closing_date(*texts):
    """The first date found in QuickBooks' closed-period message, if it gives one."""
    for text in texts:
        for pattern, fmt in _DATE_PATTERNS:
            match = pattern.search(text or '')
            if match:
                try:
                    return datetime.strptime(match.group(1), fmt).date()
                except ValueError:
                    continue
    return None


# === CLASSIFICATION === #

def classify_response(status, body, headers=None):
    """Turn a failed (or fault-carrying) QuickBooks reply into a :class:`QboError`."""
    parsed = parse_faults(body)
    if parsed and parsed[1]:
        return classify_fault(parsed[1], status=status, headers=headers, fault_type=parsed[0])
    if status in (401, 403, 429):
        return _error_from_fault(status, None, {}, headers)
    if isinstance(body, bytes):
        body = body.decode('utf-8', errors='replace')
    if _oauth_error(body) == 'invalid_grant':
        return ReconnectNeeded(http_status=status, detail=body or '')
    return _error_without_fault(status, body)


def classify_fault(errors, status=None, headers=None, fault_type=None):
    """Classify an already parsed fault list (also used for batch items, which have no HTTP status)."""
    if isinstance(errors, dict):
        fault_type, errors = parse_fault_object(errors)
    if not errors:
        return QboError(ErrorKind.AMBIGUOUS, 'QuickBooks answered with an empty fault', http_status=status,
                        reason='malformed',
                        user_message='QuickBooks gave an unreadable answer; the entry is looked up before it '
                                     'is sent again.')
    # The most telling error decides: throttling and authentication first, then the first listed.
    chosen = next((e for e in errors if _code_of(e) in THROTTLE_CODES), None) \
        or next((e for e in errors if _code_of(e) in AUTH_CODES), None) \
        or errors[0]
    error = _error_from_fault(status, fault_type, chosen, headers)
    if len(errors) > 1:
        others = '; '.join('%s %s' % (e.get('code'), e.get('detail') or e.get('message')) for e in errors
                           if e is not chosen)
        error.detail = ('%s | also: %s' % (error.detail, others)).strip(' |')
    return error


def _code_of(error):
    code = str(error.get('code') or '')
    if not code:
        # "message=ThrottleExceeded; errorCode=003001; statusCode=429" carries the code in the text.
        match = re.search(r'errorCode=0*(\d+)', error.get('message') or '')
        code = match.group(1) if match else ''
    return code.lstrip('0') or code


def _error_from_fault(status, fault_type, error, headers):
    code = _code_of(error)
    message = error.get('message') or ''
    detail = error.get('detail') or ''
    element = error.get('element') or ''
    common = {'fault_code': code or None, 'http_status': status, 'detail': detail, 'element': element}

    if CDC_TOO_OLD_PATTERN.search(detail) or CDC_TOO_OLD_PATTERN.search(message):
        error = cdc_too_old_error('')
        error.fault_code, error.http_status, error.detail = code or None, status, detail
        return error
    if status == 429 or code in THROTTLE_CODES:
        wait = parse_retry_after(headers)
        return QboError(ErrorKind.RETRY_LATER, message or 'ThrottleExceeded', retry_after=wait, reason='throttled',
                        user_message='QuickBooks asked us to slow down; posting resumes in %d seconds.' % wait,
                        **common)
    if status == 401 or status == 403 or code in AUTH_CODES or (fault_type or '').lower().startswith('auth'):
        return QboError(ErrorKind.REAUTH, message or 'AuthenticationFailed', reason='auth',
                        user_message='QuickBooks refused our credentials; the connection must be refreshed '
                                     'or reconnected.', **common)
    if code in CLOSED_PERIOD_CODES:
        closing = parse_closing_date(detail, message)
        when = ' (books closed through %s)' % closing.isoformat() if closing else ''
        return QboError(ErrorKind.BLOCKED, message or 'Account Period Closed', closing_date=closing,
                        reason='closed_period',
                        user_message='The QuickBooks books are closed for this date%s: approve a new date in an '
                                     'open period or reopen the period in QuickBooks.' % when, **common)
    if code in INVALID_REFERENCE_CODES:
        what = element or 'an account, class or department'
        return QboError(ErrorKind.BLOCKED, message or 'Invalid Reference Id', reason='invalid_reference',
                        user_message='QuickBooks no longer accepts %s used by this entry (deleted or made '
                                     'inactive): fix the account mapping, then retry. %s' % (what, detail),
                        **common)
    if code == BUSINESS_VALIDATION_CODE:
        return QboError(ErrorKind.BLOCKED, message or 'A business validation error has occurred',
                        reason='validation',
                        user_message='QuickBooks rejected the entry: %s' % (detail or message), **common)
    if code == DUPLICATE_DOC_NUMBER_CODE:
        return QboError(ErrorKind.AMBIGUOUS, message or 'Duplicate Document Number Error', reason='duplicate',
                        user_message='QuickBooks already holds an entry with this number; it is compared with '
                                     'ours before anything else is sent.', **common)
    if code == STALE_OBJECT_CODE:
        return QboError(ErrorKind.RETRY_LATER, message or 'Stale Object Error', reason='stale',
                        user_message='The QuickBooks record changed meanwhile; it is read again and retried.',
                        **common)
    # A SystemFault is QuickBooks failing, not refusing: also on a batch item, which has no HTTP status.
    if (status is not None and status >= 500) or (fault_type or '').lower() == 'systemfault' \
            or code == SYSTEM_FAULT_CODE:
        return QboError(ErrorKind.AMBIGUOUS, message or 'QuickBooks server error', reason='server_error',
                        user_message='QuickBooks failed while handling the entry; it may or may not be booked, '
                                     'so it is looked up before it is sent again.', **common)
    return QboError(ErrorKind.BLOCKED, message or 'QuickBooks rejected the request', reason='rejected',
                    user_message='QuickBooks rejected the entry: %s' % (detail or message), **common)


def cdc_too_old_error(since_text):
    """Change data capture cannot look back this far: only a full reconciliation (by DocNumber) can."""
    when = ' (%s)' % since_text if since_text else ''
    return QboError(ErrorKind.CONFIG, 'change data capture looks back at most 30 days%s' % when,
                    reason='cdc_too_old',
                    user_message='QuickBooks keeps changes for 30 days only and the last check is older%s: run a '
                                 'reconciliation, which reads the entries by their numbers, instead.' % when)


# Why a read failed, in words for the technical detail; the Odoo side translates by reason and reading.
_READ_CAUSES = {
    'server_error': 'QuickBooks failed (server error)',
    'timeout': 'QuickBooks did not answer in time',
    'connection': 'the connection to QuickBooks failed',
    'malformed': 'QuickBooks sent an answer that cannot be read',
    'unexpected': 'QuickBooks sent an answer of an unexpected shape',
    'throttled': 'QuickBooks asked us to slow down',
    'rate_limited': "this company's QuickBooks request quota is used up for now",
}


def read_error(error, what, reading):
    """The error of a failed read, saying what was being read (a read books nothing: never ambiguous).

    :param error: the :class:`QboError` the read ended with (after its retries)
    :param what: words naming the read ('the chart of accounts')
    :param reading: machine-readable name of the read ('accounts')
    :returns: a copy of ``error`` (same class, reason, status and fault code) with ``reading`` set
    """
    kind = ErrorKind.RETRY_LATER if error.kind == ErrorKind.AMBIGUOUS else error.kind
    if error.kind == ErrorKind.REAUTH:
        user_message = ('QuickBooks refused our credentials while reading %s: the connection must be refreshed or '
                        'reconnected.' % what)
    elif kind == ErrorKind.RETRY_LATER:
        cause = _READ_CAUSES.get(error.reason, 'QuickBooks could not be read')
        later = ' in %d seconds' % max(1, round(error.retry_after)) if error.retry_after else ' later'
        user_message = '%s while reading %s; it is read again%s.' % (cause, what, later)
    else:
        user_message = 'QuickBooks refused the reading of %s: %s' % (what, error.detail or error.message)
    failed = copy.copy(error)  # keeps the class: a ReconnectNeeded stays one
    failed.kind = kind
    failed.message = 'while reading %s: %s' % (what, error.message)
    failed.args = (failed.message,)
    failed.reading = reading
    if error.kind != ErrorKind.REAUTH or not isinstance(error, ReconnectNeeded):
        failed.user_message = user_message[:1].upper() + user_message[1:]
    return failed


def _error_without_fault(status, body):
    snippet = (body or '')[:500]
    if status is not None and status == 404:
        return QboError(ErrorKind.CONFIG, 'Not found', http_status=status, detail=snippet, reason='bad_address',
                        user_message='The QuickBooks address answered "not found": check the environment and '
                                     'company id of the connection.')
    if status is not None and 400 <= status < 500:
        return QboError(ErrorKind.BLOCKED, 'HTTP %s' % status, http_status=status, detail=snippet,
                        reason='rejected', user_message='QuickBooks rejected the request (HTTP %s).' % status)
    return QboError(ErrorKind.AMBIGUOUS, 'Unreadable answer from QuickBooks', http_status=status, detail=snippet,
                    reason='malformed' if status is None or status < 500 else 'server_error',
                    user_message='QuickBooks gave an unreadable answer; the entry is looked up before it is '
                                 'sent again.')


def _oauth_error(body):
    try:
        data = json.loads(body or '')
    except (TypeError, ValueError):
        return None
    return data.get('error') if isinstance(data, dict) else None


def classify_exception(exc):
    """Turn an exception raised while talking to QuickBooks into a :class:`QboError`.

    Transport failures after the request may have left (timeouts, resets,
    truncated replies) are ambiguous: QuickBooks may have booked the entry.
    """
    if isinstance(exc, QboError):
        return exc
    import requests  # local: keeps this module importable for pure classification tests
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _ambiguous(exc, 'Timed out connecting to QuickBooks', 'timeout')
    if isinstance(exc, (requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return _ambiguous(exc, 'No complete answer from QuickBooks in time', 'timeout')
    if isinstance(exc, requests.exceptions.ConnectionError):
        return _ambiguous(exc, 'Connection to QuickBooks failed', 'connection')
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return QboError(ErrorKind.CONFIG, 'Invalid QuickBooks address', detail=str(exc), reason='bad_address',
                        user_message='The QuickBooks address of the connection is invalid: %s' % exc)
    error = _from_library_exception(exc)
    if error is not None:
        return error
    if isinstance(exc, ValueError):
        return _ambiguous(exc, 'Unreadable answer from QuickBooks', 'malformed')
    return _ambiguous(exc, 'Unexpected failure talking to QuickBooks', 'unexpected')


def _ambiguous(exc, message, reason):
    what = {'malformed': 'QuickBooks sent an answer that cannot be read (not the JSON it documents)',
            'unexpected': 'QuickBooks sent an answer of an unexpected shape'}.get(reason, 'The answer from QuickBooks '
                                                                                   'was lost')
    return QboError(ErrorKind.AMBIGUOUS, message, detail='%s: %s' % (type(exc).__name__, exc), reason=reason,
                    user_message='%s; the entry is looked up by its number before it is sent again.' % what)


def _from_library_exception(exc):
    """python-quickbooks and intuit-oauth exceptions carry codes or responses; read them."""
    try:
        from intuitlib.exceptions import AuthClientError
        from quickbooks.exceptions import QuickbooksException
    except ImportError:  # pragma: no cover - both are hard requirements of the addon
        return None
    if isinstance(exc, AuthClientError):
        return classify_response(exc.status_code, exc.content, exc.headers)
    if isinstance(exc, QuickbooksException):
        code = str(exc.error_code or '')
        if code == '10000':
            # python-quickbooks' code for "could not read the reply" (e.g. an XML body): read it ourselves.
            text = str(exc.message or '')
            body = text.split(':', 1)[1] if text.startswith('Error reading json response') else exc.detail
            parsed = parse_faults(body)
            if parsed and parsed[1]:
                return classify_fault(parsed[1], fault_type=parsed[0])
            return _ambiguous(exc, 'Unreadable answer from QuickBooks', 'malformed')
        return classify_fault([{'code': code, 'message': exc.message, 'detail': exc.detail or '', 'element': ''}])
    return None


def closing_date_from_preferences(book_close_date):
    """BookCloseDate from Preferences.AccountingInfoPrefs as a date (it is '' when the books are open)."""
    if isinstance(book_close_date, date):
        return book_close_date
    if not book_close_date:
        return None
    try:
        return date.fromisoformat(str(book_close_date)[:10])
    except ValueError:
        return None
