"""The QuickBooks Online client: one company, explicit tokens, one HTTP choke point.

Built on python-quickbooks (URL layout, ``minorversion``/``requestid``
parameters, Decimal JSON parsing, the Account/Class/Department/Item/
Preferences/CompanyInfo objects) with its single HTTP call,
``QuickBooks.process_request``, routed through :meth:`QboClient._send`, which
adds what the library lacks: a timeout on every request, the rate limiter (a
slot always has a timeout), one refresh-and-retry on 401 with the rotated tokens
persisted first (one refresh at a time across processes with a ``token_guard``),
reads sent again after transient failures within a bound, and classification of
every failure (HTTP status kept, XML bodies read, failed reads naming what they
read). Sends of entries are never repeated here: the poster looks them up first.

No global client, no global tokens: each :class:`QboClient` owns its
python-quickbooks instance, built without ``auth_client`` so that its
constructor never refreshes tokens over the network behind our back.
"""
import contextlib
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

import requests
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.department import Department
from quickbooks.objects.item import Item
from quickbooks.objects.journalentry import JournalEntry
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.trackingclass import Class
from quickbooks.utils import build_choose_clause, build_where_clause

from .auth import api_base_url, utcnow
from .errors import ErrorKind, QboError, ReconnectNeeded, cdc_too_old_error, classify_exception, classify_fault, \
    classify_response, closing_date_from_preferences, read_error
from .ratelimit import RateLimitTimeout

MINIMUM_MINOR_VERSION = 75
MAX_BATCH_ITEMS = 30
MAX_REQUEST_ID = 50
MAX_BATCH_REQUEST_ID = 36
MAX_BATCH_ITEM_ID = 10  # a bId, when the batch call carries a requestid
QUERY_PAGE_SIZE = 1000
DOC_NUMBERS_PER_QUERY = 100
CDC_LOOKBACK = timedelta(days=30)  # change data capture looks back at most 30 days
CDC_MAX_OBJECTS = 1000  # objects per entity in one CDC answer; beyond it QuickBooks leaves the rest out
DEFAULT_SLOT_TIMEOUT = 10.0  # seconds a call may wait for a rate-limiter slot before it gives up (retry_later)
READ_ATTEMPTS = 3  # a read is sent at most this many times when it fails transiently
READ_BACKOFF = (1.0, 2.0)  # seconds before the 2nd and 3rd try after a 5xx, timeout or reset
READ_WAIT_BUDGET = 15.0  # seconds one read may spend waiting (backoff and 429s) before it fails
NAME_LISTS = ('Account', 'Class', 'Department', 'Item', 'Customer', 'Vendor', 'Employee')
MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
          'November', 'December')


@dataclass
class BatchItemResult:
    """One item of a batch call: the created entry, or the error QuickBooks gave for it."""

    bid: str  # the short bId sent for this item (at most 10 characters)
    entry: dict | None = None
    error: QboError | None = None
    request_id: str = ''  # the caller's request id of this item


@dataclass(frozen=True)
class CompanySettings:
    """The company preferences the engine depends on."""

    closing_date: date | None
    home_currency: str | None
    multicurrency: bool
    warn_duplicate_journal_number: bool | None


class _QuickBooksTransport(QuickBooks):
    """python-quickbooks' client whose one HTTP call goes through our choke point (it has no timeout)."""

    transport = None

    def process_request(self, request_type, url, headers='', params='', data=''):
        return self.transport(request_type, url, headers=headers, params=params, data=data)


class QboClient:
    """Talks to one QuickBooks company (realm).

    :param realm_id: QuickBooks company id
    :param tokens: current :class:`~.auth.TokenSet`
    :param oauth: :class:`~.auth.OAuth` used to refresh the tokens
    :param on_tokens: ``callable(TokenSet)`` persisting rotated tokens (without a ``token_guard``); called
        after every refresh and before the refreshed tokens are used. If it
        raises, the call fails with ``retry_later`` and nothing is sent.
    :param environment: 'sandbox', 'production' or a base URL (API at BASE/v3)
    :param minorversion: QuickBooks API minor version, 75 or newer
    :param timeout: seconds per HTTP request (or a (connect, read) tuple)
    :param limiter: a RateLimiter (``slot(realm, batch=)``/``pause(realm, s)``), optional
    :param slot_timeout: longest wait for a limiter slot, in seconds; beyond it the call
        fails with ``retry_later`` (reason 'rate_limited') instead of holding a cron worker.
        Always bounded: None means the default (DEFAULT_SLOT_TIMEOUT)
    :param session: a requests.Session to reuse, optional
    :param clock: returns the current aware UTC datetime (token expiry checks)
    :param read_attempts: how many times a read is sent when it fails transiently (5xx, timeout,
        reset, 429); entries are never resent here
    :param read_wait_budget: seconds one read may spend waiting between its attempts
    :param sleep: waits between read attempts (tests inject a fake clock's)
    :param token_guard: ``callable() -> context manager`` for one refresh at a time across
        processes. Entering it takes a cross-process lock on the company's saved tokens (the Odoo
        side: a row lock on the token row, in its own cursor) and yields ``(saved_tokens, save)``:
        the TokenSet saved last, read under the lock (None when none is saved), and
        ``save(TokenSet)``, which persists inside the locked transaction, committed when the block
        ends normally (rolled back when it raises). With a guard, ``on_tokens`` is not called on
        refresh. A guard may carry a ``timeout`` attribute (seconds its lock may be waited for),
        counted in the worst cases below.

    Every read says in its errors what it was reading (``error.reading``, e.g. 'accounts', and
    the message "while reading the chart of accounts: ..."); a read books nothing, so its
    transient failures are ``retry_later``, never ``ambiguous``.
    """

    def __init__(self, realm_id, tokens, oauth, on_tokens, environment, minorversion=MINIMUM_MINOR_VERSION,
                 timeout=30, limiter=None, session=None, clock=utcnow, slot_timeout=DEFAULT_SLOT_TIMEOUT,
                 read_attempts=READ_ATTEMPTS, read_wait_budget=READ_WAIT_BUDGET, sleep=time.sleep,
                 token_guard=None):
        if int(minorversion) < MINIMUM_MINOR_VERSION:
            raise QboError(ErrorKind.CONFIG, 'minorversion %s is below %s' % (minorversion, MINIMUM_MINOR_VERSION),
                           reason='minorversion', user_message='QuickBooks only serves minor version %d or newer.'
                                                               % MINIMUM_MINOR_VERSION)
        if not timeout:
            raise QboError(ErrorKind.CONFIG, 'a request timeout is required', reason='timeout')
        self.realm_id = str(realm_id)
        self.oauth = oauth
        self.on_tokens = on_tokens
        self.environment = environment
        self.minorversion = int(minorversion)
        self.timeout = timeout
        self.limiter = limiter
        self.slot_timeout = DEFAULT_SLOT_TIMEOUT if slot_timeout is None else float(slot_timeout)
        self.clock = clock
        if read_attempts < 1:
            raise ValueError('read_attempts must be at least 1')
        self.read_attempts = int(read_attempts)
        self.read_wait_budget = float(read_wait_budget)
        self._sleep = sleep
        self.token_guard = token_guard
        self.api_url = api_base_url(environment)
        self._tokens = tokens
        self._token_lock = threading.Lock()
        self._owns_session = session is None
        self._session = session or self._new_session()
        self.qb = self._new_quickbooks()

    # === SETUP === #

    @staticmethod
    def _new_session():
        session = requests.Session()
        # Room for the 10 concurrent requests QuickBooks allows per company.
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=16)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        return session

    def _new_quickbooks(self):
        # No auth_client kwarg: python-quickbooks would refresh over the network in its constructor.
        qb = _QuickBooksTransport(company_id=self.realm_id, minorversion=self.minorversion, use_decimal=True)
        qb.sandbox = False
        qb.api_url_v3 = self.api_url  # instance attribute: the api_url property reads it
        qb.transport = self._send
        return qb

    @property
    def tokens(self):
        """The tokens in use (after a refresh, the rotated ones)."""
        return self._tokens

    def close(self):
        if self._owns_session:
            self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # === TRANSPORT === #

    def _send(self, method, url, headers=None, params=None, data=None):
        """The single HTTP call: timeout, rate-limit slot, 401 refresh once, failures classified.

        A read (GET, or a query, which python-quickbooks POSTs) that fails transiently (5xx,
        timeout, reset connection, 429) is sent again, at most ``read_attempts`` times in all;
        a 429 waits as told unless that would take the call past ``read_wait_budget`` seconds
        of waiting. Sends of entries are never repeated here: the poster looks them up first.
        """
        read = method == 'GET' or url.endswith('/query')
        attempt, waited = 1, 0.0
        refreshed = []  # one refresh after a 401 per call, whatever the number of attempts
        while True:
            try:
                return self._send_once(method, url, headers, params, data, refreshed)
            except QboError as error:
                wait = self._read_retry_wait(error, attempt, waited) if read else None
                if wait is None:
                    raise
                limiter_waits = error.is_throttle and self.limiter is not None
            attempt += 1
            waited += wait
            if wait > 0 and not limiter_waits:
                self._sleep(wait)  # with a limiter, its pause (set on the 429) holds the next slot instead

    def _read_retry_wait(self, error, attempt, waited):
        """Seconds to wait before reading again after ``error``, or None when the read must fail now."""
        if attempt >= self.read_attempts:
            return None
        if error.is_throttle:
            wait = error.retry_after if error.retry_after is not None else READ_BACKOFF[-1]
        elif error.kind == ErrorKind.AMBIGUOUS:  # 5xx, timeout, reset: a read books nothing, so read again
            wait = READ_BACKOFF[min(attempt - 1, len(READ_BACKOFF) - 1)]
        else:
            return None
        return wait if waited + wait <= self.read_wait_budget else None

    def _send_once(self, method, url, headers, params, data, refreshed):
        headers = dict(headers or {})
        batch = url.endswith('/batch')
        self._refresh_if_expired()
        while True:
            access_token = self._tokens.access_token
            headers['Authorization'] = 'Bearer ' + access_token
            try:
                with self._slot(batch):
                    response = self._session.request(method, url, headers=headers, params=params, data=data,
                                                     timeout=self.timeout)
            except requests.RequestException as exc:
                raise classify_exception(exc) from exc
            except RateLimitTimeout as exc:
                raise QboError(ErrorKind.RETRY_LATER, 'no request slot free in time', retry_after=exc.retry_after,
                               reason='rate_limited', user_message='The QuickBooks request quota of this company is '
                               'used up for now; posting resumes in %d seconds.' % max(1, exc.retry_after)) from exc
            if response.status_code == 401 and not refreshed:
                self._refresh_after_401(access_token)
                refreshed.append(access_token)
                continue
            if response.encoding is None:
                response.encoding = 'utf-8'  # else requests guesses the charset of every body, slowly
            if response.status_code >= 400 or response.content[:1] == b'<':
                error = classify_response(response.status_code, response.content, response.headers)
                if error.is_throttle and self.limiter is not None:
                    if not _has_retry_after(response.headers) and hasattr(self.limiter, 'throttle_wait'):
                        # QuickBooks rarely says how long: wait as long as the exceeded window needs.
                        error.retry_after = self.limiter.throttle_wait(self.realm_id)
                        error.user_message = ('QuickBooks asked us to slow down; posting resumes in %d seconds.'
                                              % max(1, round(error.retry_after)))
                    self.limiter.pause(self.realm_id, error.retry_after)
                raise error
            return response

    def _slot(self, batch):
        if self.limiter is None:
            return contextlib.nullcontext()
        return self.limiter.slot(self.realm_id, batch=batch, timeout=self.slot_timeout)

    # === WORST CASES (every wait inside one call is bounded) === #

    def request_seconds(self):
        """Longest one HTTP request may take once sent: the timeout (connect + read for a tuple)."""
        return float(sum(self.timeout)) if isinstance(self.timeout, (tuple, list)) else float(self.timeout)

    def refresh_worst_case_seconds(self):
        """Longest a token refresh may hold a call: two token calls (a refused one is tried once more
        with the latest saved token) and, with a guard, two waits for its lock."""
        token_call = float(getattr(self.oauth, 'timeout', None) or self.request_seconds())
        guard_wait = float(getattr(self.token_guard, 'timeout', 0) or 0) if self.token_guard is not None else 0.0
        return 2 * (token_call + guard_wait)

    def send_worst_case_seconds(self):
        """Longest one send of entries may take: a slot, the request, its retry after a 401, one refresh."""
        return 2 * (self.slot_timeout + self.request_seconds()) + self.refresh_worst_case_seconds()

    def read_worst_case_seconds(self):
        """Longest one read (one page) may take: every attempt's slot and request, one more after a 401,
        the waits between attempts, one refresh."""
        return ((self.read_attempts + 1) * (self.slot_timeout + self.request_seconds()) + self.read_wait_budget
                + self.refresh_worst_case_seconds())

    def _refresh_if_expired(self):
        if self._tokens.access_expired(self.clock()):
            with self._token_lock:
                held = self._tokens.access_token
                if self._tokens.access_expired(self.clock()):
                    self._refresh_locked(held)

    def _refresh_after_401(self, rejected_access_token):
        with self._token_lock:
            if self._tokens.access_token == rejected_access_token:  # else another thread already refreshed
                self._refresh_locked(rejected_access_token)

    def _refresh_locked(self, rejected_access_token):
        if self.token_guard is None:
            self._refresh_unguarded()
        else:
            self._refresh_guarded(rejected_access_token)

    def _refresh_unguarded(self):
        new_tokens = self._call_refresh(self._tokens)
        self._tokens = new_tokens
        self._persist(self.on_tokens, new_tokens)

    def _refresh_guarded(self, rejected_access_token):
        """One refresh at a time across processes, with the tokens saved last (see ``token_guard``).

        Under the guard: tokens another process saved meanwhile are adopted without a call;
        else the SAVED refresh token (the latest) is used and the rotated set saved before it is
        used. A refused refresh (invalid_grant) is tried once more when the tokens saved by then
        hold another refresh token than the one refused; only then the connection is lost.
        """
        refused = None
        for _round in range(2):
            with self.token_guard() as (saved, save):
                if saved is not None and saved.access_token != rejected_access_token \
                        and not saved.access_expired(self.clock()):
                    self._tokens = saved  # another process refreshed: no call, no rotation
                    return
                current = saved or self._tokens
                if refused is not None and current.refresh_token == refused[0]:
                    raise refused[1]  # nothing newer was saved: the refusal stands
                try:
                    new_tokens = self._call_refresh(current)
                except ReconnectNeeded as error:
                    refused = (current.refresh_token, error)
                    continue  # leave the guard, read what is saved by now
                self._tokens = new_tokens
                self._persist(save, new_tokens)
                return
        raise refused[1]

    def _call_refresh(self, tokens):
        try:
            return self.oauth.refresh(tokens)
        except QboError as error:
            if error.kind == ErrorKind.AMBIGUOUS:
                # Only the token call failed; no entry was sent, so a plain retry is safe.
                error.kind = ErrorKind.RETRY_LATER
            raise

    @staticmethod
    def _persist(save, new_tokens):
        try:
            save(new_tokens)
        except Exception as exc:
            raise QboError(ErrorKind.RETRY_LATER, 'rotated tokens could not be saved', detail=repr(exc),
                           reason='tokens_not_saved',
                           user_message='New QuickBooks tokens could not be saved, so nothing was sent; it is '
                                        'retried later.') from exc

    @contextlib.contextmanager
    def _library_errors(self):
        """python-quickbooks raises its own exceptions (or KeyError on an odd reply): classify them."""
        try:
            yield
        except QboError:
            raise
        except (QuickbooksException, ValueError, KeyError, TypeError, IndexError) as exc:
            raise classify_exception(exc) from exc

    @contextlib.contextmanager
    def _reading(self, what, reading):
        """Name what was being read in any failure; library exceptions are classified first.

        :param what: words for the message ('the chart of accounts')
        :param reading: machine-readable name of the read ('accounts'), set as ``error.reading``
        """
        try:
            with self._library_errors():
                yield
        except QboError as error:
            if error.reading:
                raise  # an inner read already said what it was reading
            raise read_error(error, what, reading) from error.__cause__

    def _url(self, *parts):
        return '/'.join([self.qb.api_url, 'company', self.realm_id] + [str(p) for p in parts])

    # === JOURNAL ENTRIES === #

    def create_journal_entry(self, draft, request_id):
        """Create one entry; ``request_id`` makes QuickBooks answer a resend with the first result.

        :returns: the created JournalEntry as QuickBooks returned it (dict, Decimal amounts)
        """
        _check_request_id(request_id, MAX_REQUEST_ID)
        # The draft's own JSON, not JournalEntry.to_json(): the object adds defaults such as ExchangeRate=1.
        body = json.dumps(draft.to_qbo())
        with self._library_errors():
            reply = self.qb.create_object(JournalEntry.qbo_object_name, body, request_id=request_id)
            return reply[JournalEntry.qbo_object_name]

    def batch_create_journal_entries(self, items):
        """Create up to 30 entries in one batch call.

        QuickBooks allows a batch ``bId`` of at most 10 characters when the call carries a
        requestid (Intuit's "Request ID update" note), so each item gets a short positional
        bId ('1' .. '30') and the answers are mapped back to ``items`` here. The batch
        requestid (:func:`batch_request_id`) is derived from the items' request ids in order:
        the same items resent give the same requestid and the same bIds, so a replayed
        answer maps to the same items.

        :param items: list of (request_id, draft); each request id identifies the posting
            (at most 50 characters) and is what a one-per-request send would carry
        :returns: list of :class:`BatchItemResult`, in the order of ``items``
        :raises QboError: when the batch call as a whole fails
        """
        items = list(items)
        if not items:
            return []
        if len(items) > MAX_BATCH_ITEMS:
            raise QboError(ErrorKind.CONFIG, 'a batch holds at most %d items, got %d' % (MAX_BATCH_ITEMS, len(items)),
                           reason='batch_size')
        request_ids = [request_id for request_id, _draft in items]
        for request_id in request_ids:
            _check_request_id(request_id, MAX_REQUEST_ID)
        if len(set(request_ids)) != len(request_ids):
            raise QboError(ErrorKind.CONFIG, 'duplicate request ids in one batch', reason='duplicate_request_id')
        bids = batch_item_ids(len(items))
        body = json.dumps({'BatchItemRequest': [
            {'bId': bid, 'operation': 'create', JournalEntry.qbo_object_name: draft.to_qbo()}
            for bid, (_rid, draft) in zip(bids, items)]})
        with self._library_errors():
            reply = self.qb.post(self._url('batch'), body, request_id=batch_request_id(request_ids))
            responses = {str(item.get('bId')): item for item in reply.get('BatchItemResponse') or []}
        results = []
        for bid, request_id in zip(bids, request_ids):
            item = responses.get(bid)
            if item is None:
                results.append(BatchItemResult(bid, request_id=request_id, error=QboError(
                    ErrorKind.AMBIGUOUS, 'no answer for this item in the batch reply', reason='malformed',
                    user_message='QuickBooks did not report on this entry; it is looked up before it is sent '
                                 'again.')))
            elif item.get('Fault'):
                results.append(BatchItemResult(bid, request_id=request_id, error=classify_fault(item['Fault'])))
            elif isinstance(item.get(JournalEntry.qbo_object_name), dict):
                results.append(BatchItemResult(bid, request_id=request_id,
                                               entry=item[JournalEntry.qbo_object_name]))
            else:
                results.append(BatchItemResult(bid, request_id=request_id, error=QboError(
                    ErrorKind.AMBIGUOUS, 'batch item answered without an entry', reason='malformed')))
        return results

    def get_journal_entry(self, entry_id):
        with self._reading('journal entry Id %s' % entry_id, 'journal_entry'):
            return self.qb.get_single_object(JournalEntry.qbo_object_name, entry_id)[JournalEntry.qbo_object_name]

    def find_journal_entries(self, doc_number):
        """Entries carrying ``doc_number`` (normally zero or one)."""
        with self._reading('the journal entries numbered %s' % doc_number, 'journal_entries'):
            return self._query('SELECT * FROM JournalEntry WHERE %s' % build_where_clause(DocNumber=doc_number))

    def find_journal_entries_by_doc_numbers(self, doc_numbers, chunk=DOC_NUMBERS_PER_QUERY):
        """Entries for many DocNumbers, with ``IN`` lists of ``chunk`` numbers, each query paged.

        :returns: dict DocNumber -> list of entries (only numbers that were found)
        """
        wanted = list(dict.fromkeys(doc_numbers))
        found = {}
        with self._reading('the journal entries of %d numbers' % len(wanted), 'journal_entries'):
            for start in range(0, len(wanted), chunk):
                clause = build_choose_clause(wanted[start:start + chunk], 'DocNumber')
                for entry in self._query('SELECT * FROM JournalEntry WHERE %s' % clause):
                    found.setdefault(entry.get('DocNumber'), []).append(entry)
        return found

    # === QUERIES AND REFERENCE DATA === #

    def query(self, select, page_size=QUERY_PAGE_SIZE):
        """Rows of a QuickBooks query; paged with STARTPOSITION/MAXRESULTS unless the query pages itself."""
        with self._reading('a query (%s)' % select[:200], 'query'):
            return self._query(select, page_size)

    def _query(self, select, page_size=QUERY_PAGE_SIZE):
        match = re.search(r'\bFROM\s+(\w+)', select, re.IGNORECASE)
        if not match:
            raise QboError(ErrorKind.CONFIG, 'query without FROM: %r' % select, reason='bad_query')
        entity = match.group(1)
        if re.search(r'\b(STARTPOSITION|MAXRESULTS)\b|COUNT\(\*\)', select, re.IGNORECASE):
            return self._query_page(select, entity)
        rows, start = [], 1
        while True:
            page = self._query_page('%s STARTPOSITION %d MAXRESULTS %d' % (select, start, page_size), entity)
            rows.extend(page)
            if len(page) < page_size:
                return rows
            start += page_size

    def _query_page(self, select, entity):
        with self._library_errors():
            reply = self.qb.query(select)
            return reply['QueryResponse'].get(entity, [])

    def _list_objects(self, cls, where=''):
        """All objects of a python-quickbooks list class, paged."""
        objects, start = [], 1
        with self._library_errors():
            while True:
                page = cls.where(where, start_position=start, max_results=QUERY_PAGE_SIZE, qb=self.qb)
                objects.extend(page)
                if len(page) < QUERY_PAGE_SIZE:
                    return objects
                start += QUERY_PAGE_SIZE

    def accounts(self, include_inactive=False):
        """Chart of accounts as python-quickbooks :class:`Account` objects."""
        with self._reading('the chart of accounts', 'accounts'):
            return self._list_objects(Account, 'Active IN (true, false)' if include_inactive else '')

    def classes(self):
        with self._reading('the classes', 'classes'):
            return self._list_objects(Class)

    def departments(self):
        with self._reading('the departments (locations)', 'departments'):
            return self._list_objects(Department)

    def items(self):
        with self._reading('the products and services (items)', 'items'):
            return self._list_objects(Item)

    def inventory_items(self):
        """Items of type Inventory: QuickBooks books their COGS itself, so syncing them would count it twice."""
        return [item for item in self.items() if item.Type == 'Inventory']

    def preferences(self):
        with self._reading('the company preferences', 'preferences'):
            return Preferences.get(qb=self.qb)

    def company_info(self):
        with self._reading('the company information', 'company_info'):
            return CompanyInfo.get(self.realm_id, qb=self.qb)

    def company_settings(self):
        """Closing date, home currency, multicurrency and duplicate-number warning from Preferences."""
        prefs = self.preferences()
        accounting = prefs.AccountingInfoPrefs
        currency = prefs.CurrencyPrefs
        home = getattr(currency, 'HomeCurrency', None)
        warn = None
        for pair in getattr(prefs.OtherPrefs, 'NameValue', None) or []:
            if getattr(pair, 'Name', '') == 'WarnDuplicateJournalNumber':
                warn = str(getattr(pair, 'Value', '')).lower() == 'true'
        if accounting is not None and getattr(accounting, 'WarnDuplicateJournalNumber', None) is not None:
            warn = str(accounting.WarnDuplicateJournalNumber).lower() == 'true'
        return CompanySettings(
            closing_date=closing_date_from_preferences(getattr(accounting, 'BookCloseDate', None)),
            home_currency=getattr(home, 'value', None) or None,
            multicurrency=bool(getattr(currency, 'MultiCurrencyEnabled', False)),
            warn_duplicate_journal_number=warn,
        )

    # === REPORTS AND CHANGE DATA CAPTURE === #

    def trial_balance(self, as_of, fiscal_year_start=None):
        """Balance per account id as of ``as_of`` from the TrialBalance report (debit positive, credit negative).

        Balance-sheet accounts are cumulative; income and expense accounts run from
        ``fiscal_year_start`` (default: the start of the fiscal year holding
        ``as_of``, from the company's FirstMonthOfFiscalYear preference).
        """
        if fiscal_year_start is None:
            fiscal_year_start = self.fiscal_year_start(as_of)
        params = {'start_date': fiscal_year_start.isoformat(), 'end_date': as_of.isoformat()}
        with self._reading('the trial balance as of %s' % as_of.isoformat(), 'trial_balance'):
            report = self.qb.get_report('TrialBalance', params)
        return parse_trial_balance(report)

    def fiscal_year_start(self, day):
        """First day of the fiscal year that holds ``day``."""
        month_name = getattr(self.preferences().AccountingInfoPrefs, 'FirstMonthOfFiscalYear', '') or 'January'
        month = MONTHS.index(month_name) + 1 if month_name in MONTHS else 1
        year = day.year if day.month >= month else day.year - 1
        return date(year, month, 1)

    def cdc(self, entities, since):
        """Change data capture: entities changed since ``since`` (QuickBooks looks back at most 30 days).

        QuickBooks answers at most 1000 objects per entity and leaves the rest out without
        saying so; CDC itself cannot be paged (it takes no end time nor start position).
        Intuit suggests asking for shorter periods; an entity that comes back at the cap is
        therefore read again completely with a paged query on
        ``MetaData.LastUpdatedTime >= since`` (live objects), keeping the deleted ones the CDC
        answer listed. Deletions beyond the cap cannot be read back: the look-up by DocNumber
        then reports those entries as missing.

        :param since: aware datetime (naive: UTC), date or ISO text
        :returns: dict entity name -> list of entities (deleted ones carry ``status: 'Deleted'``)
        :raises QboError: kind ``config``, reason ``cdc_too_old``, before anything is sent when
            ``since`` is more than 30 days before the client's clock
        """
        since_at = _aware_datetime(since)
        if since_at < self.clock() - CDC_LOOKBACK:
            raise cdc_too_old_error(since_at.isoformat(timespec='seconds'))
        since_text = since_at.isoformat(timespec='seconds')
        names = list(entities)
        with self._reading('the changes since %s' % since_text, 'cdc'):
            reply = self.qb.change_data_capture(','.join(names), since_text)
        changed = {name: [] for name in names}
        for block in reply.get('CDCResponse') or []:
            for response in block.get('QueryResponse') or []:
                for name in names:
                    changed[name].extend(response.get(name) or [])
        for name in names:
            if len(changed[name]) >= CDC_MAX_OBJECTS:
                changed[name] = self._changed_by_query(name, since_text, changed[name])
        return changed

    def _changed_by_query(self, entity, since_text, cdc_rows):
        """All live ``entity`` objects changed since ``since_text`` (paged query) plus the deletions CDC listed."""
        where = "MetaData.LastUpdatedTime >= '%s'" % since_text
        if entity in NAME_LISTS:
            where += ' AND Active IN (true, false)'  # else QuickBooks lists active names only
        with self._reading('the %s changes since %s' % (entity, since_text), 'cdc'):
            live = self._query('SELECT * FROM %s WHERE %s' % (entity, where))
        live_ids = {str(row.get('Id')) for row in live}
        deleted = [row for row in cdc_rows if row.get('status') == 'Deleted' and str(row.get('Id')) not in live_ids]
        return sorted(live + deleted, key=_id_key)


def _has_retry_after(headers):
    return any(name.lower() == 'retry-after' for name in (headers or {}))


def _aware_datetime(value):
    """A datetime, date or ISO text as an aware datetime (naive and dates: UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace('Z', '+00:00'))
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _id_key(row):
    entity_id = str(row.get('Id') or '')
    return (0, int(entity_id), '') if entity_id.isdigit() else (1, 0, entity_id)


def _check_request_id(request_id, limit):
    if not request_id or len(str(request_id)) > limit:
        raise QboError(ErrorKind.CONFIG, 'request id must be 1 to %d characters: %r' % (limit, request_id),
                       reason='request_id')


def batch_request_id(request_ids):
    """A stable requestid for a batch call: the same items in the same order give the same id (36 characters).

    A replayed batch answer carries the first answer's per-item faults too, so callers
    give an item a new request id once a fault of it was recorded (see qbo.posting).
    """
    return hashlib.sha256('\n'.join(request_ids).encode()).hexdigest()[:MAX_BATCH_REQUEST_ID]


def batch_item_ids(count):
    """The bIds of a batch of ``count`` items: '1' .. 'count', unique and within MAX_BATCH_ITEM_ID."""
    return [str(position) for position in range(1, count + 1)]


def parse_trial_balance(report):
    """TrialBalance report JSON -> {account id: Decimal(debit - credit)}."""
    columns = [(c.get('ColTitle') or '').strip().lower() for c in (report.get('Columns') or {}).get('Column') or []]
    debit_index = columns.index('debit') if 'debit' in columns else 1
    credit_index = columns.index('credit') if 'credit' in columns else 2
    balances = {}

    def walk(rows):
        for row in rows:
            if 'Rows' in row:
                walk((row.get('Rows') or {}).get('Row') or [])
            cells = row.get('ColData')
            if not cells or not cells[0].get('id'):
                continue  # section headers and totals carry no account id
            debit = _money(cells[debit_index].get('value') if len(cells) > debit_index else '')
            credit = _money(cells[credit_index].get('value') if len(cells) > credit_index else '')
            account_id = str(cells[0]['id'])
            balances[account_id] = balances.get(account_id, Decimal('0')) + debit - credit

    walk((report.get('Rows') or {}).get('Row') or [])
    return balances


def _money(value):
    if value in (None, ''):
        return Decimal('0')
    try:
        return Decimal(str(value).replace(',', ''))
    except InvalidOperation:
        return Decimal('0')
