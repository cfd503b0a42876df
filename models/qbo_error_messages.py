"""The engine's errors in the user's language: one translated sentence per error reason.

The engine (pure Python, no Odoo) says what went wrong with a stable ``reason`` and, for a read,
``reading`` (what was being read); its English ``user_message`` and QuickBooks' own words are kept
as technical detail. Sentences name the record by its display name (``subject``).
"""


def _reading_names(_):
    return {
        "accounts": _("the chart of accounts"),
        "classes": _("the classes"),
        "departments": _("the departments"),
        "items": _("the products and services"),
        "preferences": _("the company preferences"),
        "company_info": _("the company information"),
        "query": _("journal entries"),
        "journal_entry": _("a journal entry"),
        "journal_entries": _("journal entries"),
        "trial_balance": _("the trial balance"),
        "cdc": _("the changes made in QuickBooks"),
    }


def _transient_causes(_):
    return {
        "server_error": _("QuickBooks failed (server error)"),
        "timeout": _("QuickBooks did not answer in time"),
        "connection": _("The connection to QuickBooks failed"),
        "malformed": _("QuickBooks sent an answer that cannot be read"),
        "unexpected": _("QuickBooks sent an answer of an unexpected shape"),
        "throttled": _("QuickBooks asked to slow down"),
        "rate_limited": _("The company's QuickBooks request quota is used up for now"),
    }


def _send_messages(_):
    """reason -> sentence about sending ``%(subject)s``; placeholders: subject, seconds, date, detail."""
    return {
        "throttled": _("QuickBooks asked to slow down: %(subject)s is sent again in %(seconds)s seconds."),
        "rate_limited": _("The company's QuickBooks request quota is used up for now: %(subject)s is sent again "
                          "in %(seconds)s seconds."),
        "time_budget": _("The posting run used its time before %(subject)s: the next run sends it."),
        "lease_lost": _("Another poster took over %(subject)s: it was not sent from here."),
        "server_error": _("QuickBooks failed while handling %(subject)s: it may or may not be booked, so it is "
                          "looked up by its number before it is sent again."),
        "timeout": _("QuickBooks did not answer in time for %(subject)s: it is looked up by its number before it "
                     "is sent again."),
        "connection": _("The connection to QuickBooks broke while sending %(subject)s: it is looked up by its "
                        "number before it is sent again."),
        "malformed": _("The answer of QuickBooks for %(subject)s could not be used, so it is looked up by its "
                       "number before it is sent again. %(detail)s"),
        "unexpected": _("The answer of QuickBooks for %(subject)s had an unexpected shape, so it is looked up by "
                        "its number before it is sent again. %(detail)s"),
        "duplicate": _("QuickBooks already holds an entry with the number of %(subject)s: it is compared with "
                       "this posting before anything else is sent."),
        "stale": _("The QuickBooks record of %(subject)s changed meanwhile: it is read again and retried."),
        "auth": _("QuickBooks refused the sign-in while sending %(subject)s: the connection is refreshed, or a "
                  "QuickBooks administrator clicks Connect to QuickBooks again."),
        "reconnect": _("The QuickBooks sign-in expired or was revoked: %(subject)s waits until a QuickBooks "
                       "administrator clicks Connect to QuickBooks, then it is sent by itself."),
        "not_connected": _("The company is not connected to QuickBooks: %(subject)s waits until a QuickBooks "
                           "administrator clicks Connect to QuickBooks."),
        "tokens_not_saved": _("The renewed QuickBooks sign-in could not be saved: %(subject)s is sent again at the "
                              "next run."),
        "tokens_busy": _("Another worker is renewing the QuickBooks sign-in: %(subject)s is sent at the next run."),
        "closed_period": _("The QuickBooks books are closed through %(date)s: approve a later date for "
                           "%(subject)s, or reopen the period in QuickBooks."),
        "closed_period_undated": _("The QuickBooks books are closed for the date of %(subject)s: approve a later "
                                   "date, or reopen the period in QuickBooks."),
        "invalid_reference": _("QuickBooks no longer accepts an account, class or department used by %(subject)s "
                               "(deleted or made inactive there): fix the account mapping, then click Retry. "
                               "%(detail)s"),
        "validation": _("QuickBooks refused %(subject)s: %(detail)s"),
        "rejected": _("QuickBooks refused %(subject)s: %(detail)s"),
        "conflict": _("QuickBooks already holds an entry numbered like %(subject)s with other lines; nothing was "
                      "sent. Compare both and decide which one stands. %(detail)s"),
        "bad_address": _("The QuickBooks address of the connection is wrong (%(detail)s): check the environment "
                         "and the custom address in Settings → QuickBooks."),
        "minorversion": _("QuickBooks does not accept the API minor version of the connection: set it in Settings "
                          "→ QuickBooks. %(detail)s"),
        "request_id": _("Odoo built a request id QuickBooks would refuse for %(subject)s: report this posting."),
        "duplicate_request_id": _("Two postings of one batch share a request id: report %(subject)s."),
        "batch_size": _("Odoo built a batch larger than QuickBooks allows: report %(subject)s."),
    }


def qbo_sign_in_lost(error):
    """True when only a person can restore the connection: a dead refresh token, or QuickBooks refusing (403).

    A 401 that survives the client's one refresh is retried later: the refresh itself succeeded.
    """
    return (error.reason in ("reconnect", "not_connected") or error.http_status == 403
            or error.fault_code == "3100")


def qbo_error_text(env, error, subject):
    """One translated sentence for an engine QboError about ``subject`` (a display name)."""
    _ = env._
    seconds = max(1, round(error.retry_after)) if error.retry_after else 60
    detail = error.user_message or error.detail or error.message or ""
    if error.reading:
        what = _reading_names(_).get(error.reading, _("QuickBooks data"))
        cause = _transient_causes(_).get(error.reason)
        if error.reason in ("auth", "reconnect", "not_connected"):
            return _("QuickBooks refused the sign-in while reading %(what)s for %(subject)s: a QuickBooks "
                     "administrator clicks Connect to QuickBooks again.", what=what, subject=subject)
        if error.reason == "cdc_too_old":
            return _("QuickBooks keeps its changes for 30 days only: %(what)s could not be read for %(subject)s; "
                     "run the reconciliation of the missing period.", what=what, subject=subject)
        if cause:
            return _("%(cause)s while reading %(what)s for %(subject)s; it is read again later.",
                     cause=cause, what=what, subject=subject)
        return _("QuickBooks refused the reading of %(what)s for %(subject)s: %(detail)s",
                 what=what, subject=subject, detail=error.detail or error.message)
    messages = _send_messages(_)
    reason = error.reason
    if reason == "closed_period" and not error.closing_date:
        reason = "closed_period_undated"
    template = messages.get(reason)
    if template is None:
        return _("QuickBooks could not take %(subject)s: %(detail)s", subject=subject, detail=detail)
    return template % {"subject": subject, "seconds": seconds, "detail": detail,
                       "date": error.closing_date.isoformat() if error.closing_date else ""}


def qbo_error_vals(env, error, subject):
    """Posting fields for an engine error: kind, fault code, the translated sentence and the technical detail."""
    return {
        "error_kind": error.kind.value,
        "error_code": error.fault_code or False,
        "error_message": qbo_error_text(env, error, subject),
        "error_detail": "%s\n%s" % (error.user_message, error) if error.user_message else str(error),
    }
