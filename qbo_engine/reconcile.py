"""Read journal entries back from QuickBooks and explain how they differ from what we posted.

Findings, one per difference:

* ``missing``    – we expected an entry under this DocNumber and QuickBooks has none;
* ``edited``     – the entry exists but a line's amount, account, class or
  department (or the date) differs; the detail says which line. An entry
  found by the Id we recorded under another DocNumber is ``edited`` too
  (its number changed in QuickBooks; ``Finding.renumbered_to`` holds the new
  one): it is ours, neither deleted nor typed by hand, and must never be
  reposted (that would book it twice);
* ``deleted``    – we posted it (we hold its Id) and QuickBooks deleted it;
* ``unexpected`` – an entry touches a synced account without a DocNumber of
  ours (typed by hand), or a second entry carries one of our DocNumbers.

The comparison (:func:`compare_entries`, :func:`find_unexpected`) is pure;
:class:`Reconciler` does the reading: by DocNumber (``IN`` lists, paged), by
change data capture, by date range, and account balances from TrialBalance.
A throttled read (429) waits as QuickBooks asks and is tried again, a bounded
number of times; then the throttle error goes up to the caller.
"""
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import DEFAULT_RETRY_AFTER, QboError
from .money import format_amount, to_cents, to_decimal
from .schemas import LINE_DETAIL_TYPE, entry_signature

MISSING = 'missing'
EDITED = 'edited'
DELETED = 'deleted'
UNEXPECTED = 'unexpected'
FINDING_KINDS = (MISSING, EDITED, DELETED, UNEXPECTED)

# A throttled read is tried again this many times, each after waiting what QuickBooks asked,
# unless it asks for longer than THROTTLE_LONGEST_WAIT seconds: then the caller runs again later.
THROTTLE_RETRIES = 2
THROTTLE_LONGEST_WAIT = 120.0


@dataclass(frozen=True)
class Finding:
    """One difference between our postings and QuickBooks."""

    doc_number: str | None
    kind: str
    detail: str
    qbo_id: str | None = None
    accounts: tuple = ()
    # The DocNumber QuickBooks now shows for our entry, when it was renumbered there.
    renumbered_to: str | None = None


@dataclass
class ReconciliationReport:
    findings: list = field(default_factory=list)
    balances: dict = field(default_factory=dict)
    entries_read: int = 0

    def by_kind(self, kind):
        return [finding for finding in self.findings if finding.kind == kind]


# === LINES === #

def _draft_line_tuples(draft):
    return [line.signature() for line in draft.lines]


def entry_line_tuples(entry):
    """(posting type, account, amount, class, department) per journal line of a QuickBooks entry, in order."""
    tuples = []
    for line in entry.get('Line') or []:
        if line.get('DetailType') != LINE_DETAIL_TYPE:
            continue
        detail = line.get(LINE_DETAIL_TYPE) or {}
        tuples.append((
            detail.get('PostingType', ''),
            str((detail.get('AccountRef') or {}).get('value') or ''),
            to_cents(to_decimal(line.get('Amount', 0), 'Amount')),
            str((detail.get('ClassRef') or {}).get('value') or ''),
            str((detail.get('DepartmentRef') or {}).get('value') or ''),
        ))
    return tuples


def _account_names(draft=None, entry=None):
    names = {}
    for line in draft.lines if draft is not None else ():
        if line.account.name:
            names[line.account.value] = line.account.name
    for line in (entry or {}).get('Line') or []:
        ref = (line.get(LINE_DETAIL_TYPE) or {}).get('AccountRef') or {}
        if ref.get('name'):
            names.setdefault(str(ref.get('value')), ref['name'])
    return names


def _describe(line, names):
    posting_type, account, amount, class_value, department = line
    text = '%s %s to account %s' % (posting_type, format_amount(amount), _account_label(account, names))
    if class_value:
        text += ', class %s' % class_value
    if department:
        text += ', department %s' % department
    return text


def _account_label(account, names):
    return '%s (%s)' % (account, names[account]) if account in names else account


_FIELDS = ('posting type', 'account', 'amount', 'class', 'department')


def describe_line_differences(draft, entry):
    """Sentences saying which lines of ``entry`` differ from ``draft``; empty when the lines are equal.

    Equal lines are set aside first; the rest are paired in order so a changed
    amount or account reads as one change on one line, not a removal plus an addition.
    """
    names = _account_names(draft, entry)
    expected = _draft_line_tuples(draft)
    found = entry_line_tuples(entry)
    leftover = Counter(found)
    unmatched_expected = []
    for position, line in enumerate(expected, start=1):
        if leftover[line]:
            leftover[line] -= 1
        else:
            unmatched_expected.append((position, line))
    unmatched_found = []
    remaining = Counter(leftover)
    for line in found:
        if remaining[line]:
            remaining[line] -= 1
            unmatched_found.append(line)
    sentences = []
    for (position, want), got in zip(unmatched_expected, unmatched_found):
        changes = []
        for index, name in enumerate(_FIELDS):
            if want[index] != got[index]:
                before, after = want[index], got[index]
                if name == 'amount':
                    before, after = format_amount(before), format_amount(after)
                elif name == 'account':
                    before, after = _account_label(before, names), _account_label(after, names)
                changes.append('%s %s -> %s' % (name, before or '(none)', after or '(none)'))
        sentences.append('line %d (%s): %s' % (position, _describe(want, names), '; '.join(changes)))
    for position, want in unmatched_expected[len(unmatched_found):]:
        sentences.append('line %d missing in QuickBooks: %s' % (position, _describe(want, names)))
    for got in unmatched_found[len(unmatched_expected):]:
        sentences.append('extra line in QuickBooks: %s' % _describe(got, names))
    return sentences


def entry_matches(draft, entry):
    """True when the QuickBooks entry has exactly the draft's lines (order aside)."""
    try:
        return entry_signature(entry) == draft.signature()
    except ValueError:
        return False


# === COMPARISON === #

def compare_entries(expected, found, posted_ids=None, deleted_ids=(), by_id=None):
    """Diff the drafts we expect in QuickBooks against what was read back.

    :param expected: dict DocNumber -> JournalEntryDraft
    :param found: dict DocNumber -> QuickBooks entry JSON (or a list of them)
    :param posted_ids: dict DocNumber -> QuickBooks Id we recorded when posting
    :param deleted_ids: Ids change data capture reported as deleted
    :param by_id: dict Id -> QuickBooks entry JSON of every other entry read (change data
        capture, the period's entries): our Id under another DocNumber means renumbered
    :returns: list of :class:`Finding`
    """
    posted_ids = posted_ids or {}
    deleted_ids = {str(entry_id) for entry_id in deleted_ids}
    by_id = by_id or {}
    findings = []
    for doc_number, draft in expected.items():
        entries = found.get(doc_number) or []
        if isinstance(entries, dict):
            entries = [entries]
        posted_id = posted_ids.get(doc_number)
        posted_id = str(posted_id) if posted_id not in (None, '') else None
        renumbered = _renumbered(by_id, posted_id, doc_number, entries, deleted_ids)
        if renumbered is not None:
            findings += _renumbered_findings(doc_number, draft, renumbered, entries)
            continue
        if not entries:
            if posted_id:
                how = ('deleted in QuickBooks' if posted_id in deleted_ids
                       else 'no longer in QuickBooks under this number')
                findings.append(Finding(doc_number, DELETED, 'Journal entry %s (Id %s) was %s.'
                                        % (doc_number, posted_id, how), posted_id, _accounts_of(draft)))
            else:
                findings.append(Finding(doc_number, MISSING, 'No journal entry %s in QuickBooks.' % doc_number,
                                        None, _accounts_of(draft)))
            continue
        ours = next((e for e in entries if posted_id and str(e.get('Id')) == posted_id), None) \
            or next((e for e in entries if entry_matches(draft, e)), None) \
            or entries[0]
        changes = describe_line_differences(draft, ours)
        txn_date = ours.get('TxnDate')
        if txn_date and txn_date[:10] != draft.txn_date.isoformat():
            changes.insert(0, 'date %s -> %s' % (draft.txn_date.isoformat(), txn_date[:10]))
        if changes:
            findings.append(Finding(doc_number, EDITED, 'Journal entry %s (Id %s) was edited in QuickBooks: %s.'
                                    % (doc_number, ours.get('Id'), '; '.join(changes)), str(ours.get('Id')),
                                    _accounts_of(draft, ours)))
        for other in entries:
            if other is not ours:
                findings.append(Finding(doc_number, UNEXPECTED, 'A second journal entry (Id %s) carries our number %s.'
                                        % (other.get('Id'), doc_number), str(other.get('Id')),
                                        _accounts_of(None, other)))
    return findings


def _renumbered(by_id, posted_id, doc_number, entries, deleted_ids):
    """Our entry (by the Id we recorded) when QuickBooks now shows it under another DocNumber, else None."""
    if not posted_id or posted_id in deleted_ids or any(str(e.get('Id')) == posted_id for e in entries):
        return None
    entry = by_id.get(posted_id)
    if entry is None or entry.get('status') == 'Deleted' or (entry.get('DocNumber') or '') == doc_number:
        return None
    return entry


def _renumbered_findings(doc_number, draft, entry, entries):
    """One ``edited`` finding for an entry renumbered in QuickBooks (lines and date still compared),
    plus ``unexpected`` for any other entry that now carries our number."""
    new_number = entry.get('DocNumber') or ''
    changes = ['DocNumber changed from %s to %s' % (doc_number, new_number or '(none)')]
    txn_date = entry.get('TxnDate')
    if txn_date and txn_date[:10] != draft.txn_date.isoformat():
        changes.append('date %s -> %s' % (draft.txn_date.isoformat(), txn_date[:10]))
    changes += describe_line_differences(draft, entry)
    findings = [Finding(doc_number, EDITED, 'Journal entry %s (Id %s) was edited in QuickBooks: %s.'
                        % (doc_number, entry.get('Id'), '; '.join(changes)), str(entry.get('Id')),
                        _accounts_of(draft, entry), renumbered_to=new_number)]
    for other in entries:
        findings.append(Finding(doc_number, UNEXPECTED, 'A second journal entry (Id %s) carries our number %s.'
                                % (other.get('Id'), doc_number), str(other.get('Id')), _accounts_of(None, other)))
    return findings


def entries_by_id(*collections):
    """dict Id -> entry over lists of entries or dicts DocNumber -> list of entries (later ones win)."""
    by_id = {}
    for collection in collections:
        if isinstance(collection, dict):
            collection = [e for group in collection.values() for e in (group if isinstance(group, list) else [group])]
        by_id.update((str(e.get('Id')), e) for e in collection)
    return by_id


def find_unexpected(entries, known_doc_numbers, synced_accounts):
    """Entries touching a synced account whose DocNumber is not one of ours (typed by hand).

    :param entries: QuickBooks entry JSON (deleted CDC stubs are skipped)
    :param known_doc_numbers: container of our DocNumbers
    :param synced_accounts: container of QuickBooks account ids the addon posts to
    """
    findings = []
    synced = {str(account) for account in synced_accounts}
    for entry in entries:
        if entry.get('status') == 'Deleted' or entry.get('DocNumber') in known_doc_numbers:
            continue
        touched = [line for line in entry_line_tuples(entry) if line[1] in synced]
        if not touched:
            continue
        names = _account_names(None, entry)
        detail = '; '.join(_describe(line, names) for line in touched)
        number = entry.get('DocNumber') or '(no number)'
        findings.append(Finding(entry.get('DocNumber') or None, UNEXPECTED,
                                'Journal entry %s (Id %s, %s) was entered by hand in a synced account: %s.'
                                % (number, entry.get('Id'), entry.get('TxnDate', '?'), detail),
                                str(entry.get('Id')), tuple(sorted({line[1] for line in touched}))))
    return findings


def _accounts_of(draft=None, entry=None):
    accounts = set()
    if draft is not None:
        accounts.update(line.account.value for line in draft.lines)
    if entry is not None:
        accounts.update(line[1] for line in entry_line_tuples(entry))
    return tuple(sorted(accounts))


# === READING === #

class Reconciler:
    """Reads QuickBooks through a :class:`~.client.QboClient` and produces findings."""

    def __init__(self, client, retries=THROTTLE_RETRIES, longest_wait=THROTTLE_LONGEST_WAIT, sleep=time.sleep):
        """
        :param client: a :class:`~.client.QboClient`
        :param retries: how many times a throttled read is tried again
        :param longest_wait: a throttle asking for a longer wait (seconds) is not waited for
        :param sleep: waits when the client has no rate limiter (with one, the limiter waits:
            the client paused it for the realm on the 429)
        """
        self.client = client
        self.retries = retries
        self.longest_wait = longest_wait
        self._sleep = sleep
        self.throttle_waits = []

    def _read(self, call, *args):
        """``call(*args)``, tried again after each throttle (429) while retries last."""
        for attempt in range(self.retries + 1):
            try:
                return call(*args)
            except QboError as error:
                wait = error.retry_after if error.retry_after is not None else DEFAULT_RETRY_AFTER
                if not error.is_throttle or attempt == self.retries or wait > self.longest_wait:
                    raise
                self.throttle_waits.append(wait)
                if getattr(self.client, 'limiter', None) is None:
                    self._sleep(wait)

    def read_back(self, doc_numbers):
        """dict DocNumber -> list of entries, read with IN lists of DocNumbers (paged)."""
        return self._read(self.client.find_journal_entries_by_doc_numbers, doc_numbers)

    def changes_since(self, since):
        """(changed entries, ids of deleted entries) from change data capture."""
        changed = self._read(self.client.cdc, ['JournalEntry'], since).get('JournalEntry', [])
        deleted = {str(entry.get('Id')) for entry in changed if entry.get('status') == 'Deleted'}
        return [entry for entry in changed if entry.get('status') != 'Deleted'], deleted

    def entries_between(self, start, end):
        """Entries dated from ``start`` to ``end`` inclusive (hand-typed ones included)."""
        return self._read(self.client.query, "SELECT * FROM JournalEntry WHERE TxnDate >= '%s' AND TxnDate <= '%s'"
                          % (start.isoformat(), end.isoformat()))

    def balances(self, as_of, accounts=None):
        """TrialBalance per account id as of ``as_of`` (debit positive), limited to ``accounts`` if given."""
        balances = self._read(self.client.trial_balance, as_of)
        if accounts is None:
            return balances
        return {str(account): balances.get(str(account), Decimal('0.00')) for account in accounts}

    def run(self, expected, posted_ids=None, synced_accounts=(), known_doc_numbers=None, since=None,
            period=None, as_of=None):
        """Full comparison.

        :param expected: dict DocNumber -> JournalEntryDraft we expect in QuickBooks
        :param posted_ids: dict DocNumber -> QuickBooks Id recorded at posting
        :param synced_accounts: account ids the addon posts to (for hand-typed entries and balances)
        :param known_doc_numbers: all our DocNumbers (default: those of ``expected``)
        :param since: datetime for change data capture (deletions, recent hand-typed entries)
        :param period: (start date, end date) to scan for hand-typed entries by TxnDate
        :param as_of: date for TrialBalance balances of ``synced_accounts``
        """
        known = set(known_doc_numbers) if known_doc_numbers is not None else set(expected)
        found = self.read_back(list(expected)) if expected else {}
        report = ReconciliationReport(entries_read=sum(len(v) for v in found.values()))
        deleted_ids, candidates = set(), {}
        if since is not None:
            changed, deleted_ids = self.changes_since(since)
            candidates.update((str(e.get('Id')), e) for e in changed)
            report.entries_read += len(changed)
        if period is not None:
            in_period = self.entries_between(*period)
            candidates.update((str(e.get('Id')), e) for e in in_period)
            report.entries_read += len(in_period)
        report.findings = compare_entries(expected, found, posted_ids, deleted_ids,
                                          by_id=entries_by_id(list(candidates.values()), found))
        renumbered_ids = {f.qbo_id for f in report.findings if f.renumbered_to is not None}
        if synced_accounts:
            report.findings += [f for f in find_unexpected(candidates.values(), known, synced_accounts)
                                if f.qbo_id not in renumbered_ids]
            if as_of is not None:
                report.balances = self.balances(as_of, synced_accounts)
        elif as_of is not None:
            report.balances = self.balances(as_of)
        return report
