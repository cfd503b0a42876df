"""Drafts in, outcomes out: posting journal entries exactly once.

The poster sends drafts through a :class:`~.client.QboClient`, in batch calls
of up to 30 or one entry per request, and turns every answer into a
:class:`PostOutcome`:

* ``posted``  – QuickBooks holds the entry (``qbo_id``); ``adopted`` when we
  found it by DocNumber instead of reading it from our own create answer;
* ``retry``   – nothing to do now; try again after ``error.retry_after``
  (``needs_lookup``: the last send was ambiguous, so look up first next time);
  ``error.reason`` 'lease_lost' when the caller's ``before_send`` withdrew the entry
  (another poster holds it: record nothing on it), 'time_budget' when the run's time was up;
* ``blocked`` – a person must act (``error.user_message`` says what);
* ``reauth``  – the connection needs refreshing or reconnecting.

Exactly once: every send carries the posting's stable ``requestid``. After an
ambiguous failure (timeout, reset, 5xx) nothing is sent again until the entry
was looked up by DocNumber: found with equal lines -> adopted; found with other
lines -> blocked (conflict); not found -> resent with the same ``requestid``.
A duplicate-number fault (6140) is settled the same way, without a resend.

Every wait is bounded: the client's slot timeout, request timeout and read budget bound each
step, ``max_sends`` bounds the sends, and the run's ``time_budget`` stops new steps;
:meth:`Poster.worst_case_seconds` adds them up so a caller can keep its lease well above it.
"""
import copy
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from .client import DOC_NUMBERS_PER_QUERY, MAX_BATCH_ITEMS
from .errors import CLOSED_PERIOD_CODES, DUPLICATE_DOC_NUMBER_CODE, INVALID_REFERENCE_CODES, ErrorKind, QboError
from .reconcile import describe_line_differences, entry_matches

POSTED = 'posted'
RETRY = 'retry'
BLOCKED = 'blocked'
REAUTH = 'reauth'
OUTCOME_STATUSES = (POSTED, RETRY, BLOCKED, REAUTH)
LEASE_LOST = 'lease_lost'  # error reason: the caller's before_send withdrew the entry (another poster holds it)
TIME_BUDGET_SPENT = 'time_budget'  # error reason: the run's time budget was used up before this entry's turn
TIME_BUDGET = 120.0  # seconds a run may start new sends and look-ups for (see Poster.worst_case_seconds)
# Error reasons of a call refused on our side before anything was sent (no rate-limiter slot in time,
# the sign-in being renewed elsewhere or not saved, the run's time spent): QuickBooks never saw it.
NOT_SENT_REASONS = (TIME_BUDGET_SPENT, 'rate_limited', 'tokens_busy', 'tokens_not_saved')

_STATUS_BY_KIND = {
    ErrorKind.RETRY_LATER: RETRY,
    ErrorKind.AMBIGUOUS: RETRY,
    ErrorKind.REAUTH: REAUTH,
    ErrorKind.BLOCKED: BLOCKED,
    ErrorKind.CONFIG: BLOCKED,
}


@dataclass(frozen=True)
class PostRequest:
    """One posting to send: its key (unique per company), stable request id and draft."""

    key: str
    request_id: str
    draft: object  # JournalEntryDraft


@dataclass
class PostOutcome:
    key: str
    status: str
    qbo_id: str | None = None
    error: QboError | None = None
    adopted: bool = False
    attempts: int = 0  # sends of the entry in this run that left for QuickBooks (look-ups not counted)
    doc_number: str = ''
    sync_token: str | None = None
    needs_lookup: bool = False  # a send may have reached QuickBooks: next run, look up by DocNumber first

    @property
    def retry_after(self):
        return self.error.retry_after if self.error is not None else None


class Poster:
    """Posts :class:`PostRequest` lists through one client.

    :param client: a :class:`~.client.QboClient`
    :param batch_size: items per batch call (at most 30)
    :param max_sends: sends per request within one run (first send plus resends after ambiguity)
    :param workers: calls in flight at once (QuickBooks allows 10 per company; the client's
        rate limiter enforces that). One is enough for batches; more help one-per-request posting.
    :param time_budget: seconds after which a run starts no new send nor look-up; what is left
        ends ``retry`` with reason 'time_budget' (``needs_lookup`` when it may have been sent)
    :param clock: monotonic seconds, for the time budget (tests inject a fake clock)
    """

    def __init__(self, client, batch_size=MAX_BATCH_ITEMS, max_sends=3, workers=1, time_budget=TIME_BUDGET,
                 clock=time.monotonic):
        if not 1 <= batch_size <= MAX_BATCH_ITEMS:
            raise ValueError('batch_size must be between 1 and %d' % MAX_BATCH_ITEMS)
        if workers < 1:
            raise ValueError('workers must be at least 1')
        if max_sends < 1:
            raise ValueError('max_sends must be at least 1')
        self.client = client
        self.batch_size = batch_size
        self.max_sends = max_sends
        self.workers = workers
        self.time_budget = float(time_budget)
        self.clock = clock

    def post(self, requests, batch=True, look_up_first=(), before_send=None):
        """Post ``requests``; returns one :class:`PostOutcome` per request, in the same order.

        :param batch: True for batch calls of ``batch_size``; False for one entry per request
        :param look_up_first: keys whose previous send was ambiguous: looked up before any send
        :param before_send: ``callable(keys) -> keys still allowed``, called right before every
            HTTP send of entries (first sends and resends after a look-up) with the keys about to
            be sent; the caller checks there that it still holds those rows (its lease). A key not
            returned is not sent and ends ``retry`` with error reason 'lease_lost' (``needs_lookup``
            when an earlier send of it may have reached QuickBooks). If it raises, nothing of that
            chunk is sent (all 'lease_lost').
        """
        return _Run(self, list(requests), batch, set(look_up_first), before_send).execute()

    def worst_case_seconds(self, n_requests, batch=True):
        """Longest :meth:`post` of ``n_requests`` may take, every wait counted at its bound.

        Without the time budget: one look-up-first read per 100 numbers; per chunk ``max_sends``
        sends (limiter slot + request timeout, once more after a 401, one token refresh) each
        followed by a look-up read (all its attempts, waits and a refresh); two explanation reads
        (closing date, chart of accounts). With it: the budget plus the longest single step
        (send or read) started just before it ran out; steps of several workers run side by
        side. The smaller of the two is returned.
        """
        chunk = self.batch_size if batch else 1
        chunks = -(-int(n_requests) // chunk) if n_requests else 0
        send = self.client.send_worst_case_seconds()
        read = self.client.read_worst_case_seconds()
        look_up_first_reads = -(-int(n_requests) // DOC_NUMBERS_PER_QUERY) if n_requests else 0
        every_step = look_up_first_reads * read + chunks * self.max_sends * (send + read) + 2 * read
        budgeted = self.time_budget + max(send, read)
        return min(every_step, budgeted)


class _Run:
    """State of one :meth:`Poster.post` call."""

    def __init__(self, poster, requests, batch, look_up_first, before_send=None):
        self.client = poster.client
        self.chunk_size = poster.batch_size if batch else 1
        self.batch = batch
        self.max_sends = poster.max_sends
        self.workers = poster.workers
        self.requests = requests
        self.look_up_first = look_up_first
        self.maybe_sent = set(look_up_first)  # keys QuickBooks may hold although we never saw it say so
        self.outcomes = {}
        self.sends = {}
        self.stop_error = None
        self._closing_date = None
        self._account_states = None
        self._lock = threading.RLock()
        self.before_send = before_send
        self._clock = poster.clock
        self.deadline = poster.clock() + poster.time_budget

    def execute(self):
        pending = deque(self._accept())
        first = [r for r in pending if r.key in self.look_up_first]
        if first:
            self._look_up(first, {})  # found ones are settled; the others are sent below
            pending = deque(r for r in pending if r.key not in self.outcomes)
        if self.workers == 1:
            while pending and self.stop_error is None:
                chunk = [pending.popleft() for _ in range(min(self.chunk_size, len(pending)))]
                pending.extendleft(reversed(self._send(chunk)))
        else:
            self._send_concurrently(pending)
        if self.stop_error is not None:
            for request in pending:
                self._finish(request, _STATUS_BY_KIND[self.stop_error.kind], error=self.stop_error)
        return [self.outcomes[request.key] for request in self.requests]

    def _send_concurrently(self, pending):
        """Keep ``workers`` chunks in flight until done or stopped; leaves unsent requests in ``pending``."""
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix='qbo-poster') as pool:
            in_flight = set()
            while True:
                while pending and len(in_flight) < self.workers and self.stop_error is None:
                    chunk = [pending.popleft() for _ in range(min(self.chunk_size, len(pending)))]
                    in_flight.add(pool.submit(self._send, chunk))
                if not in_flight:
                    return
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.extendleft(reversed(future.result()))

    def _accept(self):
        """Refuse repeated keys and DocNumbers within one run: they could only double-post."""
        accepted, keys, numbers = [], set(), {}
        for request in self.requests:
            doc_number = request.draft.doc_number
            if request.key in keys:
                continue  # same key twice: the first one's outcome stands for both
            keys.add(request.key)
            if doc_number in numbers:
                self._finish(request, BLOCKED, error=QboError(
                    ErrorKind.BLOCKED, 'conflict', reason='conflict',
                    detail='DocNumber %s is also used by posting %s' % (doc_number, numbers[doc_number]),
                    user_message='Two postings share the QuickBooks number %s; only one can be posted.'
                                 % doc_number))
                continue
            numbers[doc_number] = request.key
            accepted.append(request)
        return accepted

    # === SENDING === #

    def _out_of_time(self, requests, errors=None):
        """Past the time budget: end ``requests`` for the next run instead of starting a step.

        :param errors: key -> the error a send of this run ended with (it stands: that send left us)
        """
        if self._clock() < self.deadline:
            return False
        error = QboError(ErrorKind.RETRY_LATER, 'time budget of the run spent', reason=TIME_BUDGET_SPENT,
                         retry_after=0,
                         user_message='This run of the poster used its time; the entry is sent by the next run.')
        for request in requests:
            self._finish(request, RETRY, error=(errors or {}).get(request.key) or error)
        return True

    def _still_allowed(self, chunk):
        """The requests of ``chunk`` the caller still allows to send (its ``before_send``); the others end here."""
        if self.before_send is None:
            return chunk
        keys = [request.key for request in chunk]
        try:
            allowed, why = set(self.before_send(keys)), ''
        except Exception as exc:  # the check itself failed: sending without it could double-post
            allowed, why = set(), repr(exc)
        refused = [request for request in chunk if request.key not in allowed]
        if refused:
            error = QboError(ErrorKind.RETRY_LATER, 'lease lost before the send', reason=LEASE_LOST, detail=why,
                             user_message='Another poster holds this entry now; it was not sent from here.')
            for request in refused:
                self._finish(request, RETRY, error=error)
        return [request for request in chunk if request.key in allowed]

    def _send(self, chunk):
        """Send one chunk; returns the requests to resend after an ambiguous failure was looked up."""
        if self._out_of_time(chunk):
            return []
        chunk = self._still_allowed(chunk)
        if not chunk:
            return []
        with self._lock:
            for request in chunk:
                self.sends[request.key] = self.sends.get(request.key, 0) + 1
        answers = []  # (request, entry or None, error or None)
        if self.batch:
            try:
                results = self.client.batch_create_journal_entries([(r.request_id, r.draft) for r in chunk])
                answers = [(request, result.entry, result.error) for request, result in zip(chunk, results)]
            except QboError as error:
                answers = [(request, None, error) for request in chunk]
        else:
            request = chunk[0]
            try:
                answers = [(request, self.client.create_journal_entry(request.draft, request.request_id), None)]
            except QboError as error:
                answers = [(request, None, error)]
        if answers and answers[0][2] is not None and answers[0][2].reason in NOT_SENT_REASONS:
            with self._lock:  # refused on our side before the request went out: not a send
                for request in chunk:
                    self.sends[request.key] -= 1

        unsure = {}
        for request, entry, error in answers:
            if error is None:
                self._finish(request, POSTED, entry=entry)
            elif error.kind == ErrorKind.AMBIGUOUS:
                unsure[request.key] = error
                with self._lock:
                    self.maybe_sent.add(request.key)
            else:
                self._fail(request, error)
        if not unsure:
            return []
        unsure_requests = [r for r in chunk if r.key in unsure]
        not_found = self._look_up(unsure_requests, unsure)
        resend = []
        for request in not_found:
            error = unsure[request.key]
            if error.fault_code == DUPLICATE_DOC_NUMBER_CODE or self.sends[request.key] >= self.max_sends \
                    or self.stop_error is not None:
                # QuickBooks says the number exists but we cannot see it, or sends are used up: next run.
                self._finish(request, RETRY, error=error)
            else:
                resend.append(request)
        return resend

    def _fail(self, request, error):
        status = _STATUS_BY_KIND[error.kind]
        if status == BLOCKED:
            error = self._explain(request, copy.copy(error))  # a whole-batch error is shared by its items
        self._finish(request, status, error=error)
        self._stop_if_spent(error)

    def _stop_if_spent(self, error):
        """The company's connection or quota is spent: stop instead of failing every other posting."""
        if error.kind == ErrorKind.REAUTH or error.is_throttle or error.reason == 'rate_limited':
            with self._lock:
                self.stop_error = self.stop_error or error

    # === LOOK-UP BEFORE RESEND === #

    def _look_up(self, requests, errors):
        """Settle requests by what QuickBooks holds under their DocNumbers.

        :param errors: key -> the ambiguous error that led here (None for look-up-first)
        :returns: requests not found (safe to send again with the same request id)
        """
        if self._out_of_time(requests, errors):
            return []
        try:
            found = self.client.find_journal_entries_by_doc_numbers([r.draft.doc_number for r in requests])
        except QboError as lookup_error:
            # Nothing is resent blind: these end here, and the next run looks them up again (needs_lookup).
            status = REAUTH if lookup_error.kind == ErrorKind.REAUTH else RETRY
            for request in requests:
                self._finish(request, status, error=lookup_error if status == REAUTH or lookup_error.is_throttle
                             else errors.get(request.key) or lookup_error)
            self._stop_if_spent(lookup_error)
            return []
        not_found = []
        for request in requests:
            entries = found.get(request.draft.doc_number) or []
            if not entries:
                not_found.append(request)
                continue
            equal = [entry for entry in entries if entry_matches(request.draft, entry)]
            if equal:
                self._finish(request, POSTED, entry=min(equal, key=_id_order), adopted=True)
                continue
            existing = entries[0]
            changes = describe_line_differences(request.draft, existing)
            original = errors.get(request.key)
            self._finish(request, BLOCKED, error=QboError(
                ErrorKind.BLOCKED, 'conflict', reason='conflict', fault_code=original.fault_code if original else None,
                http_status=original.http_status if original else None,
                detail='Id %s: %s' % (existing.get('Id'), '; '.join(changes)),
                user_message='QuickBooks already holds journal entry %s (Id %s) with other lines (%s); nothing was '
                             'sent. Compare both and decide which one stands.'
                             % (request.draft.doc_number, existing.get('Id'), '; '.join(changes) or 'see detail')))
        return not_found

    # === EXPLAINING BLOCKED FAULTS === #

    def _explain(self, request, error):
        """Add what QuickBooks' message leaves out: the closing date, the account that is gone."""
        if self._clock() >= self.deadline:
            return error  # out of time: no more reads for a courtesy
        try:
            if error.fault_code in CLOSED_PERIOD_CODES and error.closing_date is None:
                if self._closing_date is None:
                    self._closing_date = False  # read once per run, even when the read fails
                    self._closing_date = self.client.company_settings().closing_date or False
                if self._closing_date:
                    error.closing_date = self._closing_date
                    error.user_message = ('The QuickBooks books are closed through %s: approve a date after it or '
                                          'reopen the period in QuickBooks.' % self._closing_date.isoformat())
            elif error.fault_code in INVALID_REFERENCE_CODES:
                named = self._unusable_accounts(request.draft)
                if named:
                    error.user_message = ('QuickBooks no longer accepts %s: fix the account mapping, then retry.'
                                          % ', '.join(named))
        except QboError:
            pass  # the explanation is a courtesy; the fault itself stands
        return error

    def _unusable_accounts(self, draft):
        if self._account_states is None:
            self._account_states = {}  # read once per run, even when the read fails
            self._account_states = {str(a.Id): bool(a.Active) for a in self.client.accounts(include_inactive=True)}
        named = []
        for line in draft.lines:
            account = line.account
            label = "account %s%s" % (account.value, " '%s'" % account.name if account.name else '')
            state = self._account_states.get(account.value)
            if state is None:
                text = '%s (deleted or unknown)' % label
            elif state is False:
                text = '%s (inactive)' % label
            else:
                continue
            if text not in named:
                named.append(text)
        return named

    # === OUTCOMES === #

    def _finish(self, request, status, entry=None, error=None, adopted=False):
        outcome = PostOutcome(
            key=request.key, status=status, error=error, adopted=adopted,
            qbo_id=str(entry['Id']) if entry and entry.get('Id') is not None else None,
            sync_token=str(entry.get('SyncToken')) if entry and entry.get('SyncToken') is not None else None,
            attempts=self.sends.get(request.key, 0), doc_number=request.draft.doc_number,
            needs_lookup=status in (RETRY, REAUTH) and request.key in self.maybe_sent)
        with self._lock:
            self.outcomes[request.key] = outcome


def _id_order(entry):
    """The oldest entry first: QuickBooks ids are increasing integers (in text)."""
    entry_id = str(entry.get('Id') or '')
    return (0, int(entry_id)) if entry_id.isdigit() else (1, entry_id)
