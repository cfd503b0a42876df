"""Error classification against the bodies QuickBooks Online really sends (JSON, lower-case JSON, XML)."""
import copy
import json
import pickle
from datetime import date

import pytest
import requests
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import QuickbooksException, ValidationException

from fault_bodies import THROTTLE_XML
from qbo_engine.errors import (
    ErrorKind,
    QboError,
    ReconnectNeeded,
    classify_exception,
    classify_fault,
    classify_response,
    parse_faults,
    parse_retry_after,
)

# The gateway's 401: lower-case envelope.
AUTH_401_JSON = json.dumps({
    "warnings": None, "intuitObject": None,
    "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                         "detail": "Token expired: eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..",
                         "code": "3200", "element": None}], "type": "AUTHENTICATION"},
    "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
    "syncErrorResponse": None, "requestId": None, "time": 1633520295688, "status": None, "cdcresponse": []})

AUTH_401_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse '
                'xmlns="http://schema.intuit.com/finance/v3" time="2018-08-20T02:23:36.095-07:00"><Fault '
                'type="AuthenticationFault"><Error code="100"><Message>General Authentication Error</Message><Detail>'
                'AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401</Detail></Error></Fault>'
                '</IntuitResponse>')

FORBIDDEN_403_JSON = json.dumps({
    "warnings": None, "intuitObject": None,
    "fault": {"error": [{"message": "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                         "detail": None, "code": "3100", "element": None}], "type": "SERVICE"},
    "time": 1543012192555})


def validation_fault(code, message, detail, element=''):
    return json.dumps({"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code,
                                            "element": element}], "type": "ValidationFault"},
                       "time": "2024-02-01T09:17:31.892-07:00"})


CLOSED_PERIOD = validation_fault(
    '6210', 'Account Period Closed, Cannot Update Through Services API',
    'The account period has closed and the account books cannot be updated through the QBO Services API. '
    'Please use the QBO website to make these changes. Books closed as of 2024-01-31.', 'TxnDate')
INVALID_REFERENCE = validation_fault(
    '2500', 'Invalid Reference Id', 'Invalid Reference Id : Accounts element id 99 not found',
    'Line.JournalEntryLineDetail.AccountRef')
INACTIVE_OBJECT = validation_fault(
    '610', 'Object Not Found', "Object Not Found : Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees.")
BUSINESS_VALIDATION = validation_fault(
    '6000', 'A business validation error has occurred while processing your request',
    'Business Validation Error: You must enter equal debits and credits.', 'Line')
DUPLICATE_NUMBER = validation_fault(
    '6140', 'Duplicate Document Number Error',
    'Duplicate Document Number Error : You must specify a different number. This number has already been used. '
    'DocNumber=INV-1 is assigned to TxnType=Journal Entry with TxnId=3632', 'DocNumber')
STALE = validation_fault('5010', 'Stale Object Error', 'Stale Object Error : You and root were working on this '
                         'at the same time.', 'SyncToken')
SYSTEM_FAULT = json.dumps({"Fault": {"Error": [{"Message": "An application error has occurred while processing your "
                                                           "request", "Detail": "System Failure Error: ...",
                                                "code": "10000", "element": ""}], "type": "SystemFault"},
                           "time": "2024-02-01T09:17:31.892-07:00"})


def test_throttle_xml_body_is_retry_later_with_default_wait():
    error = classify_response(429, THROTTLE_XML.encode(), {'Content-Type': 'application/xml'})
    assert error.kind == ErrorKind.RETRY_LATER
    assert error.fault_code == '3001'
    assert error.http_status == 429
    assert error.retry_after == 60
    assert error.is_throttle
    assert 'ThrottleExceeded' in error.message
    assert '60 seconds' in error.user_message


def test_throttle_honours_retry_after_header():
    assert classify_response(429, THROTTLE_XML, {'Retry-After': '7'}).retry_after == 7


def test_throttle_code_wins_even_when_status_is_403():
    # Older gateways answered the throttle with statusCode=403 in the text.
    body = THROTTLE_XML.replace('statusCode=429', 'statusCode=403')
    error = classify_response(403, body, {})
    assert error.kind == ErrorKind.RETRY_LATER and error.fault_code == '3001'


def test_throttle_json_fault_3001():
    body = validation_fault('3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'Try later')
    assert classify_response(429, body, {}).kind == ErrorKind.RETRY_LATER


def test_429_with_unreadable_body_still_retry_later():
    error = classify_response(429, b'Too Many Requests', {})
    assert error.kind == ErrorKind.RETRY_LATER and error.retry_after == 60


@pytest.mark.parametrize('status, body, code', [
    (401, AUTH_401_JSON, '3200'),
    (401, AUTH_401_XML, '100'),
    (403, FORBIDDEN_403_JSON, '3100'),
    (401, '', None),
])
def test_authentication_faults_are_reauth(status, body, code):
    error = classify_response(status, body, {})
    assert error.kind == ErrorKind.REAUTH
    assert error.fault_code == code
    assert error.http_status == status


def test_closed_period_is_blocked_with_closing_date():
    error = classify_response(400, CLOSED_PERIOD, {})
    assert error.kind == ErrorKind.BLOCKED
    assert error.fault_code == '6210'
    assert error.closing_date == date(2024, 1, 31)
    assert error.reason == 'closed_period'
    assert '2024-01-31' in error.user_message
    assert error.element == 'TxnDate'


def test_closed_period_without_date_in_text():
    body = validation_fault('6210', 'Account Period Closed', 'The account period has closed. {1}')
    error = classify_response(400, body, {})
    assert error.kind == ErrorKind.BLOCKED and error.closing_date is None


@pytest.mark.parametrize('body, code', [(INVALID_REFERENCE, '2500'), (INACTIVE_OBJECT, '610')])
def test_invalid_or_inactive_reference_is_blocked(body, code):
    error = classify_response(400, body, {})
    assert error.kind == ErrorKind.BLOCKED
    assert error.fault_code == code
    assert error.reason == 'invalid_reference'
    assert 'mapping' in error.user_message


def test_invalid_reference_names_the_element():
    error = classify_response(400, INVALID_REFERENCE, {})
    assert 'AccountRef' in error.user_message and '99' in error.user_message


def test_business_validation_is_blocked_with_detail():
    error = classify_response(400, BUSINESS_VALIDATION, {})
    assert error.kind == ErrorKind.BLOCKED
    assert error.fault_code == '6000'
    assert 'equal debits and credits' in error.user_message


def test_duplicate_doc_number_is_ambiguous():
    error = classify_response(400, DUPLICATE_NUMBER, {})
    assert error.kind == ErrorKind.AMBIGUOUS
    assert error.fault_code == '6140'
    assert error.reason == 'duplicate'


def test_stale_object_is_retry_later():
    assert classify_response(400, STALE, {}).kind == ErrorKind.RETRY_LATER


@pytest.mark.parametrize('status, body', [
    (500, SYSTEM_FAULT),
    (502, '<html><body><h1>502 Bad Gateway</h1></body></html>'),
    (503, ''),
    (504, '<html>\r\n<head><title>504 Gateway Time-out</title></head></html>'),
])
def test_server_errors_are_ambiguous(status, body):
    error = classify_response(status, body, {})
    assert error.kind == ErrorKind.AMBIGUOUS
    assert error.http_status == status


def test_other_4xx_is_blocked():
    body = validation_fault('2020', 'Required param missing, need to supply the required value for the API',
                            'Required parameter AccountRef is missing in the request', 'AccountRef')
    error = classify_response(400, body, {})
    assert error.kind == ErrorKind.BLOCKED and error.fault_code == '2020'


def test_404_without_fault_is_a_configuration_problem():
    assert classify_response(404, '<html>Not Found</html>', {}).kind == ErrorKind.CONFIG


def test_malformed_success_body_is_ambiguous():
    assert classify_response(200, '{"JournalEntry": ', {}).kind == ErrorKind.AMBIGUOUS


def test_invalid_grant_is_reconnect_needed():
    error = classify_response(400, '{"error": "invalid_grant"}', {})
    assert isinstance(error, ReconnectNeeded)
    assert error.kind == ErrorKind.REAUTH
    assert error.fault_code == 'invalid_grant'
    assert 'reconnect' in str(error)


def test_multiple_errors_keep_all_details():
    body = json.dumps({"Fault": {"Error": [
        {"Message": "Invalid Reference Id", "Detail": "Account 81 inactive", "code": "2500", "element": ""},
        {"Message": "Invalid Reference Id", "Detail": "Account 82 inactive", "code": "2500", "element": ""},
    ], "type": "ValidationFault"}})
    error = classify_response(400, body, {})
    assert 'Account 81' in error.detail and 'Account 82' in error.detail


def test_batch_item_fault_without_http_status():
    error = classify_fault({'Error': [{'Message': 'Account Period Closed', 'Detail': 'Books closed as of '
                                       '2023-12-31.', 'code': '6210', 'element': ''}], 'type': 'ValidationFault'})
    assert error.kind == ErrorKind.BLOCKED and error.http_status is None
    assert error.closing_date == date(2023, 12, 31)


def test_parse_faults_refuses_entity_declarations():
    body = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><IntuitResponse>&a;</IntuitResponse>'
    assert parse_faults(body) is None
    assert classify_response(500, body, {}).kind == ErrorKind.AMBIGUOUS


def test_retry_after_as_http_date_in_the_past_is_zero():
    assert parse_retry_after({'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT'}) == 0


@pytest.mark.parametrize('exc', [
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.ConnectTimeout('connect timed out'),
    requests.exceptions.ConnectionError('Connection reset by peer'),
    requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead'),
])
def test_transport_failures_are_ambiguous(exc):
    error = classify_exception(exc)
    assert error.kind == ErrorKind.AMBIGUOUS
    assert error.http_status is None
    assert 'looked up' in error.user_message


def test_python_quickbooks_exceptions_are_classified():
    error = classify_exception(ValidationException('Invalid Reference Id', 2500, 'Account gone'))
    assert error.kind == ErrorKind.BLOCKED and error.fault_code == '2500'
    # python-quickbooks' "could not read json" wrapper around the XML throttle reply.
    wrapped = QuickbooksException('Error reading json response: ' + THROTTLE_XML, 10000)
    assert classify_exception(wrapped).kind == ErrorKind.RETRY_LATER


def test_auth_client_error_invalid_grant():
    response = requests.Response()
    response.status_code = 400
    response._content = b'{"error":"invalid_grant"}'
    assert isinstance(classify_exception(AuthClientError(response)), ReconnectNeeded)


def test_to_dict_is_json_ready():
    error = classify_response(400, CLOSED_PERIOD, {})
    data = json.loads(json.dumps(error.to_dict()))
    assert data['kind'] == 'blocked'
    assert data['closing_date'] == '2024-01-31'
    assert data['fault_code'] == '6210'
    assert data['http_status'] == 400


def test_qbo_error_is_an_exception_with_readable_text():
    error = QboError(ErrorKind.BLOCKED, 'conflict', detail='lines differ', reason='conflict')
    assert 'blocked' in str(error) and 'lines differ' in str(error)
    assert error.user_message == 'conflict'


def test_errors_survive_copy_and_pickle():
    error = classify_response(400, CLOSED_PERIOD, {})
    for clone in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert clone is not error and clone.to_dict() == error.to_dict() and str(clone) == str(error)
    reconnect = pickle.loads(pickle.dumps(ReconnectNeeded()))
    assert isinstance(reconnect, ReconnectNeeded) and reconnect.kind == ErrorKind.REAUTH


def test_system_fault_on_a_batch_item_is_ambiguous_not_a_rejection():
    # A batch item carries no HTTP status: its SystemFault must not read as QuickBooks refusing the entry.
    error = classify_fault({'Error': [{'Message': 'An application error has occurred while processing your request',
                                       'Detail': 'System Failure Error', 'code': '10000'}], 'type': 'SystemFault'})
    assert error.kind == ErrorKind.AMBIGUOUS and error.reason == 'server_error'
    assert 'looked up' in error.user_message


@pytest.mark.parametrize('code, detail, kind, reason', [
    ('610', 'Object Not Found : Another user has deleted this transaction.', ErrorKind.BLOCKED, 'invalid_reference'),
    ('2500', 'Invalid Reference Id : Accounts element id 99 not found', ErrorKind.BLOCKED, 'invalid_reference'),
    ('5010', 'Stale Object Error', ErrorKind.RETRY_LATER, 'stale'),
    ('6000', 'Business Validation Error: unbalanced', ErrorKind.BLOCKED, 'validation'),
    ('6140', 'Duplicate Document Number Error', ErrorKind.AMBIGUOUS, 'duplicate'),
    ('6210', 'Books closed as of 2024-03-31.', ErrorKind.BLOCKED, 'closed_period'),
])
def test_classification_does_not_depend_on_the_element(code, detail, kind, reason):
    def body(element):
        return json.dumps({'Fault': {'Error': [{'Message': 'm', 'Detail': detail, 'code': code, 'element': element}],
                                     'type': 'ValidationFault'}, 'time': 't'})

    named = classify_response(400, body('Line.JournalEntryLineDetail.AccountRef'))
    for element in ('', None):
        empty = classify_response(400, body(element))
        assert (empty.kind, empty.reason, empty.fault_code) == (named.kind, named.reason, named.fault_code) \
            == (kind, reason, code)
        assert empty.element == ''
