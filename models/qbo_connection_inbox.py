"""Hearing QuickBooks: the webhook verifier token and the change-data-capture cursor of a connection.

Webhooks tell us of a change within seconds but can be late, repeated or missing; change data
capture (CDC) is the safety net: every few minutes it reads what changed since the cursor. The
cursor moves in the same transaction as the changes it read are stored, so a crash between the two
reads them again (stored once, by event id) instead of losing them. QuickBooks keeps 30 days of
changes: an older gap is said on the connection and reconciled instead.
"""
import logging
from datetime import timedelta, timezone

from odoo import _, api, fields, models
from odoo.tools import format_datetime

from ..qbo_engine.errors import QboError
from ..qbo_engine.webhooks import MAX_EVENT_ID, ChangeEvent, parse_moment
from .qbo_inbox_event import ACCOUNT, JOURNAL_ENTRY, PREFERENCES, VENDOR_DOCUMENTS

_logger = logging.getLogger(__name__)

# QuickBooks keeps 30 days of changes; a day less leaves room for clocks that differ.
CDC_LOOKBACK = timedelta(days=29)
# Entities read by change data capture: those whose changes have an effect here. Preferences are not
# read that way: the closing date is compared at each run instead (one read), which covers a dropped
# webhook just as well.
CDC_ENTITIES = (JOURNAL_ENTRY, ACCOUNT) + VENDOR_DOCUMENTS
# Read a little before the cursor: a change committed in QuickBooks while we read is not skipped.
CDC_OVERLAP = timedelta(minutes=2)


class QboConnection(models.Model):
    _inherit = "qbo.connection"

    webhook_verifier_token = fields.Char(
        "Webhook Verifier Token", groups="base.group_system", copy=False,
        help="From the Intuit developer portal (your app › Webhooks): QuickBooks signs each notification with it. "
             "Notifications signed otherwise are refused.")
    cdc_cursor = fields.Datetime(
        "Changes Read Up To", readonly=True, copy=False,
        help="QuickBooks changes up to this moment have been read (change data capture).")

    # ------------------------------------------------------------ webhooks
    @api.model
    def _qbo_webhook_rows(self, events, connections):
        """Inbox rows for ``events`` (qbo_engine.webhooks.ChangeEvent) of a delivery signed for ``connections``.

        A realm none of those connections holds is stored as ignored, with what to do about it.
        """
        by_realm = {connection.sudo().realm_id: connection for connection in connections
                    if connection.sudo().realm_id}
        rows = []
        for event in events:
            connection = by_realm.get(event.realm_id)
            row = _inbox_row(event, "webhook", connection)
            if not connection:
                row.update(state="ignored", result=_(
                    "No company of this database is connected to QuickBooks company %(realm)s: connect it in "
                    "QuickBooks › Configuration › Connection, or remove the webhook subscription of that company "
                    "in the Intuit developer portal.", realm=event.realm_id))
            rows.append(row)
        return rows

    # ------------------------------------------------------ change data capture
    @api.model
    def _cron_read_changes(self, with_commit=True, limiter=None):
        """Read every connected company's QuickBooks changes since its cursor into the inbox."""
        for connection in self.sudo().search([("state", "=", "connected")]):
            try:
                connection._qbo_read_changes(with_commit=with_commit, limiter=limiter)
            except QboError as error:
                _logger.info("QuickBooks changes of %s not read now: %s", connection.display_name, error)
            if with_commit:
                self.env.cr.commit()  # one company's QuickBooks never holds the next company's changes

    def _qbo_read_changes(self, with_commit=True, limiter=None, now=None):
        """Store what changed since the cursor and move it; returns the number of new inbox rows.

        :param now: the moment read up to (naive UTC); default: now
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        since = self.cdc_cursor or now - CDC_OVERLAP
        if since < now - CDC_LOOKBACK:
            self._qbo_reconcile_gap(since, now, with_commit=with_commit, limiter=limiter)
            since = now - CDC_LOOKBACK
        realm_id = self.sudo().realm_id
        with self._qbo_client(limiter=limiter, with_commit=with_commit) as client:
            changed = client.cdc(CDC_ENTITIES, (since - CDC_OVERLAP).replace(tzinfo=timezone.utc))
            closing = client.company_settings().closing_date or False
        events = [event for entity, objects in changed.items() for event in _cdc_events(realm_id, entity, objects)]
        if closing != self.book_close_date:
            events.append(ChangeEvent(
                event_id="cdc-Preferences-%s-%s" % (closing or "none", now.isoformat(timespec="seconds")),
                realm_id=realm_id, entity=PREFERENCES, entity_id="1", operation="Update", occurred_at=None,
                source_format="cdc"))
        rows = [_inbox_row(event, "cdc", self) for event in events]
        inserted = self.env["qbo.inbox.event"]._qbo_store(rows)
        self.sudo().write({"cdc_cursor": now})
        return len(inserted)

    def _qbo_reconcile_gap(self, since, now, with_commit, limiter):
        """Changes older than QuickBooks keeps cannot be read: reconcile that period instead, and say so."""
        start = since.date()
        run = self.env["qbo.reconciliation"].sudo().create({
            "company_id": self.company_id.id, "date_from": start, "date_to": now.date()})
        run._qbo_run(with_commit=with_commit, limiter=limiter)
        self.message_post(body=_(
            "QuickBooks changes since %(since)s could not all be read: QuickBooks keeps 30 days of them. "
            "Reconciliation %(run)s compares the whole period instead; review its findings.",
            since=format_datetime(self.env, since), run=run.name))


def _cdc_events(realm_id, entity, objects):
    """ChangeEvents for the objects change data capture returned for ``entity``.

    A change is identified by the object's id and its last update time (a deleted object by its
    deletion): the same change read twice yields the same event id and is stored once.
    """
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("Id") is None:
            continue
        updated = str((obj.get("MetaData") or {}).get("LastUpdatedTime") or "")
        deleted = str(obj.get("status") or "").lower() == "deleted"
        yield ChangeEvent(
            event_id=("cdc-%s-%s-%s" % (entity, obj["Id"], "deleted" if deleted else updated))[:MAX_EVENT_ID],
            realm_id=str(realm_id), entity=entity, entity_id=str(obj["Id"]),
            operation="Delete" if deleted else "Update", occurred_at=parse_moment(updated), source_format="cdc")


def _inbox_row(event, channel, connection):
    return {
        "event_id": event.event_id, "realm_id": event.realm_id, "channel": channel,
        "connection_id": connection.id if connection else None,
        "company_id": connection.company_id.id if connection else None,
        "entity": event.entity, "entity_id": event.entity_id, "operation": event.operation,
        "occurred_at": event.occurred_at.astimezone(timezone.utc).replace(tzinfo=None) if event.occurred_at else None,
    }
