"""QBO's error answers, shaped as Intuit sends them.

Three families reach a client (``element`` is empty in most business faults, as
QuickBooks sends them: 610, 2500, 5010, 6140, 6210):
- validation/business faults: HTTP 400, JSON ``{"Fault": {"Error": [{"Message",
  "Detail", "code" (a string), "element"}], "type": "ValidationFault"}, "time"}``;
- authentication faults (401/403): the lower-case JSON envelope Intuit's gateway
  returns (``fault.error[].code``), not the capitalised one;
- gateway answers: the XML throttle body on 429 (even to a JSON client, without
  Retry-After), an HTML page on 503/504, a SystemFault JSON on 500.
"""
from xml.sax.saxutils import escape


class QboFault(Exception):
    """One QBO error; raised by validation, rendered by the server."""

    def __init__(self, code, message, detail, element='', status=400, fault_type='ValidationFault'):
        super().__init__(f'{code} {message}: {detail}')
        self.code = str(code)
        self.message = message
        self.detail = detail
        self.element = element
        self.status = status
        self.fault_type = fault_type

    def error_dict(self) -> dict:
        return {'Message': self.message, 'Detail': self.detail, 'code': self.code, 'element': self.element}

    def body(self, time_text: str) -> dict:
        return {'Fault': {'Error': [self.error_dict()], 'type': self.fault_type}, 'time': time_text}

    def batch_item(self) -> dict:
        return {'Error': [self.error_dict()], 'type': self.fault_type}


# === validation faults (HTTP 400) === #

def business_validation(detail: str, element: str = '') -> QboFault:
    return QboFault('6000', 'A business validation error has occurred while processing your request',
                    f'Business Validation Error: {detail}', element)


def unbalanced_entry(debits, credits) -> QboFault:
    return business_validation(
        'You must enter equal debits and credits. '
        f'Total debits: {debits:.2f}, total credits: {credits:.2f}.', 'Line')


def doc_number_too_long(doc_number: str, limit: int) -> QboFault:
    return business_validation(
        f'The document number is too long. DocNumber "{doc_number}" has {len(doc_number)} characters; '
        f'the maximum is {limit}.', 'DocNumber')


def invalid_reference(list_name: str, ref_id, element: str) -> QboFault:
    # QuickBooks names the list in the Detail and leaves ``element`` empty.
    return QboFault('2500', 'Invalid Reference Id',
                    f'Invalid Reference Id : {list_name} element id {ref_id} not found', '')


def inactive_reference(element: str) -> QboFault:
    return QboFault('610', 'Object Not Found',
                    "Object Not Found : Something you're trying to use has been made inactive. "
                    'Check the fields with accounts, customers, items, vendors or employees.', '')


def deleted_transaction(entity_id) -> QboFault:
    return QboFault('610', 'Object Not Found',
                    f'Object Not Found : Another user has deleted this transaction. Id={entity_id}', '')


def account_period_closed(close_date: str) -> QboFault:
    """6210; the Detail names the closing date (ISO) so a person can pick an open date."""
    return QboFault('6210', 'Account Period Closed, Cannot Update Through Services API',
                    'The account period has closed and the account books cannot be updated through the '
                    'QBO Services API. Please use the QBO website to make these changes. '
                    f'Books closed as of {close_date}.', '')


def duplicate_doc_number(doc_number: str, txn_id) -> QboFault:
    return QboFault('6140', 'Duplicate Document Number Error',
                    'Duplicate Document Number Error : You must specify a different number. '
                    f'This number has already been used. DocNumber={doc_number} is assigned to '
                    f'TxnType=Journal Entry with TxnId={txn_id}', '')


def duplicate_name(name: str, existing_id) -> QboFault:
    return QboFault('6240', 'Duplicate Name Exists Error',
                    f'The name supplied already exists. : Id={existing_id} Name={name}', 'Name')


def stale_object() -> QboFault:
    return QboFault('5010', 'Stale Object Error',
                    'Stale Object Error : You and root were working on this at the same time. '
                    'root finished before you did, so your work was not saved.', '')


def string_too_long(element: str, limit: int, supplied: int) -> QboFault:
    return QboFault('2050', 'String length is either too long or too short',
                    f'String length specified does not match the supported length. Min:0 Max:{limit} '
                    f'supplied length:{supplied}', element)


def required_param_missing(name: str) -> QboFault:
    return QboFault('2020', 'Required param missing, need to supply the required value for the API',
                    f'Required parameter {name} is missing in the request', name)


def invalid_value(element: str, detail: str, code: str = '2170', message: str = 'Invalid Enumeration') -> QboFault:
    return QboFault(code, message, detail, element)


def malformed_request(detail: str) -> QboFault:
    return QboFault('2010', 'Request has invalid or unsupported property', f'Property Name:{detail}')


def query_parser_error(detail: str) -> QboFault:
    return QboFault('4000', 'Error parsing query', f'QueryParserError: {detail}')


def query_validation_error(detail: str) -> QboFault:
    return QboFault('4001', 'Invalid query', f'QueryValidationError: {detail}')


def cdc_too_old(changed_since: str) -> QboFault:
    """changedSince more than 30 days back; the Detail is the sentence QuickBooks answers."""
    return QboFault('2010', 'Request has invalid or unsupported property',
                    f'Operation cdc with changedSince date {changed_since} which is older than fixed days is '
                    'not supported.', '')


def batch_too_large(count: int, limit: int) -> QboFault:
    return QboFault('1040', 'Batch size exceeds allowed limit',
                    f'Batch size of {count} exceeds the allowed limit of {limit} BatchItemRequests')


def invalid_request_id(request_id: str, limit: int) -> QboFault:
    return QboFault('2130', 'Invalid Request Id Format',
                    f'requestid is {len(request_id)} characters long; the maximum is {limit}', 'requestid')


def invalid_batch_item_id(bid: str, limit: int) -> QboFault:
    """A bId longer than QuickBooks allows next to a batch requestid: the whole batch is refused."""
    return QboFault('2130', 'Invalid Request Id Format',
                    f'bId {bid!r} is {len(bid)} characters long; with a requestid the maximum is {limit}', 'bId')


def unsupported_operation(path: str) -> QboFault:
    return QboFault('500', 'Unsupported Operation',
                    f'Operation Could not find resource for relative : {path} is not supported.')


# === authentication faults (401 / 403, lower-case envelope) === #

def auth_fault_body(status: int, detail: str, time_ms: int) -> dict:
    if status == 401:
        code, word, fault_type = '3200', 'AuthenticationFailed', 'AUTHENTICATION'
    else:
        code, word, fault_type = '3100', 'ApplicationAuthorizationFailed', 'SERVICE'
    return {
        'warnings': None,
        'intuitObject': None,
        'fault': {
            'error': [{
                'message': f'message={word}; errorCode={int(code):06d}; statusCode={status}',
                'detail': detail,
                'code': code,
                'element': None,
            }],
            'type': fault_type,
        },
        'report': None,
        'queryResponse': None,
        'batchItemResponse': [],
        'attachableResponse': [],
        'syncErrorResponse': None,
        'requestId': None,
        'time': time_ms,
        'status': None,
        'cdcresponse': [],
    }


# === gateway answers === #

def throttle_xml(time_text: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{escape(time_text)}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '    <Fault type="SERVICE">\n'
        '        <Error code="3001">\n'
        '            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n'
        '            <Detail>The request limit was reached.  Try again later</Detail>\n'
        '        </Error>\n'
        '    </Fault>\n'
        '</IntuitResponse>\n'
    )


def system_fault_item() -> dict:
    """The Fault of one batch item QuickBooks failed to handle (nothing of it committed)."""
    return system_fault_body('')['Fault']


def system_fault_body(time_text: str) -> dict:
    return {
        'Fault': {
            'Error': [{
                'Message': 'An application error has occurred while processing your request',
                'Detail': 'System Failure Error: An unexpected error occurred while accessing or saving your '
                          'data. Please wait a few minutes and try again. If the problem persists, contact '
                          'customer support.',
                'code': '10000',
                'element': '',
            }],
            'type': 'SystemFault',
        },
        'time': time_text,
    }


def gateway_html(status: int, reason: str) -> str:
    return (f'<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n'
            f'<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n')
