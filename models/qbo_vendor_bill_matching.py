"""Reading vendor bills from QuickBooks and matching them to the receipts they pay for.

A bill is sure when the references the accountant typed (memo, bill number, line descriptions)
name exactly one purchase order of the company, by its number or the vendor's reference, or one
of its receipts; it is then applied at once. Anything else waits for the accountant: no
reference (suggestions by amount against the estimates, receipt date and vendor), references to
several orders (those orders), or to another company's order (said so).
"""
import re
from datetime import timedelta

from odoo import _, api, fields, models

from ..qbo_engine.client import QUERY_PAGE_SIZE

QBO_KINDS = {"Bill": "bill", "VendorCredit": "vendor_credit"}
# What a reference looks like: P00042, WH/IN/00017, MSKU1234567, PO-2211 (letters, digits, / - _ .).
REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]*[A-Za-z0-9]")
SUGGESTIONS = 5
SUGGESTION_WINDOW = timedelta(days=120)


class QboVendorBill(models.Model):
    _inherit = "qbo.vendor.bill"

    # ------------------------------------------------------------------ reading
    @api.model
    def _qbo_receive(self, connection, changes, client):
        """Store and match the bills and vendor credits ``changes`` (inbox rows) name.

        :returns: dict inbox row -> what became of its document (one sentence)
        """
        results = {}
        for entity, kind in QBO_KINDS.items():
            rows = changes.filtered(lambda change: change.entity == entity)
            if not rows:
                continue
            read = {}
            wanted = [row.entity_id for row in rows if row.operation != "Delete"]
            for start in range(0, len(wanted), QUERY_PAGE_SIZE):
                ids = ", ".join("'%s'" % entity_id for entity_id in wanted[start:start + QUERY_PAGE_SIZE]
                                if entity_id.isdigit())
                if ids:
                    read.update({str(obj["Id"]): obj for obj in client.query(
                        "SELECT * FROM %s WHERE Id IN (%s)" % (entity, ids))})
            for row in rows:
                document = read.get(row.entity_id)
                results[row] = (self._qbo_store_document(connection, kind, document) if document
                                else self._qbo_document_gone(connection, kind, row.entity_id))
        return results

    @api.model
    def _qbo_store_document(self, connection, kind, document):
        company = connection.company_id
        accruals = self._qbo_accrual_mappings(company)
        lines = []
        for index, line in enumerate(document.get("Line") or []):
            detail = line.get("AccountBasedExpenseLineDetail") or {}
            account = detail.get("AccountRef") or {}
            mapping = accruals.get(str(account.get("value")))
            if mapping and line.get("Amount"):
                lines.append({"sequence": index, "mapping_id": mapping.id, "amount": float(line["Amount"]),
                              "account_name": account.get("name") or mapping.account_id.name,
                              "description": line.get("Description") or False})
        existing = self.sudo().search([("connection_id", "=", connection.id), ("kind", "=", kind),
                                       ("qbo_id", "=", str(document["Id"]))])
        if not lines and not existing:
            return _("No line is coded to an Accrued Landed Cost account: not a landed cost, nothing to do.")
        vals = {
            "doc_number": document.get("DocNumber") or False, "memo": document.get("PrivateNote") or False,
            "vendor_name": (document.get("VendorRef") or {}).get("name") or False,
            "txn_date": document.get("TxnDate") or False,
            "currency_code": (document.get("CurrencyRef") or {}).get("value") or company.currency_id.name,
        }
        if existing.state == "applied":
            if sorted((l["mapping_id"], l["amount"]) for l in lines) == sorted(
                    (l.mapping_id.id, l.amount) for l in existing.line_ids):
                return _("%(bill)s changed in QuickBooks without changing its landed costs.", bill=existing.name)
            existing.write({"state": "changed", "review_reason": _(
                "Its landed cost lines changed in QuickBooks after it was applied here. Enter the difference as "
                "a new bill or vendor credit in QuickBooks, or correct the actual landed cost here.")})
            existing.message_post(body=existing.review_reason)
            return existing.review_reason
        line_commands = [(5, 0, 0)] + [(0, 0, line) for line in lines]
        if existing:
            if existing.state != "to_review":
                return _("%(bill)s was already decided (%(state)s); the change in QuickBooks is noted only.",
                         bill=existing.name, state=existing.state)
            existing.write(dict(vals, line_ids=line_commands))
            bill = existing
        else:
            bill = self.sudo().create(dict(vals, connection_id=connection.id, company_id=company.id, kind=kind,
                                           qbo_id=str(document["Id"]), line_ids=line_commands))
        bill._qbo_match()
        return (_("%(bill)s applied to %(order)s.", bill=bill.name, order=bill.picking_id.name or bill.purchase_id.name)
                if bill.state == "applied" else _("%(bill)s waits for a review: %(why)s", bill=bill.name,
                                                  why=bill.review_reason))

    @api.model
    def _qbo_document_gone(self, connection, kind, qbo_id):
        bill = self.sudo().search([("connection_id", "=", connection.id), ("kind", "=", kind), ("qbo_id", "=", qbo_id)])
        if not bill:
            return _("Deleted in QuickBooks before it was read; nothing here depended on it.")
        if bill.state == "applied":
            bill.write({"state": "changed", "review_reason": _(
                "Deleted in QuickBooks after it was applied here: reverse its actual landed costs with a credit "
                "note, or enter the bill again in QuickBooks.")})
        elif bill.state == "to_review":
            bill.write({"state": "rejected", "review_reason": _("Deleted in QuickBooks before it was reviewed.")})
        bill.message_post(body=bill.review_reason)
        return bill.review_reason

    @api.model
    def _qbo_accrual_mappings(self, company):
        """QuickBooks account id -> the Accrued Landed Cost mapping that names it (per cost type)."""
        mappings = self.env["qbo.account.mapping"].sudo().search(
            [("company_id", "=", company.id), ("role", "=", "accrued_landed_cost")], order="cost_type, id")
        by_account = {}
        for mapping in mappings:
            by_account.setdefault(mapping.account_id.qbo_id, mapping)
        return by_account

    # ------------------------------------------------------------------ matching
    def _qbo_match(self):
        for bill in self:
            bill.suggestion_ids.unlink()
            found, foreign = bill._qbo_referenced()
            orders = {purchase for purchase, _picking, _reason in found}
            if len(orders) == 1 and not foreign:
                purchase = orders.pop()
                pickings = {picking for _p, picking, _r in found if picking}
                picking = pickings.pop() if len(pickings) == 1 else self.env["stock.picking"]
                bill.write({"purchase_id": purchase.id, "picking_id": picking.id,
                            "match_reason": "; ".join(sorted({reason for _p, _k, reason in found}))})
                bill._qbo_apply(_("matched by %(reference)s", reference=bill.match_reason))
            elif found:
                bill._qbo_suggest([(purchase, picking, 100, reason) for purchase, picking, reason in found])
                bill._qbo_wait(_(
                    "Its references name %(count)s purchase orders (%(orders)s): choose the one it pays for.",
                    count=len(orders), orders=", ".join(sorted(order.name for order in orders))))
            elif foreign:
                bill._qbo_wait(_(
                    "Its reference %(order)s is a purchase order of %(company)s, not of %(own)s: enter the bill in "
                    "the QuickBooks company of %(company)s, or choose an order of %(own)s.",
                    order=foreign[0].name, company=foreign[0].company_id.name, own=bill.company_id.name))
            else:
                bill._qbo_suggest(bill._qbo_candidates())
                bill._qbo_wait(_(
                    "No purchase order or receipt of %(company)s is named in its memo, number or lines: choose the "
                    "order it pays for (the suggestions are ranked by amount, date and vendor), or reject it.",
                    company=bill.company_id.name))

    def _qbo_references(self):
        texts = [self.doc_number, self.memo] + self.line_ids.mapped("description")
        return {token.upper() for text in texts if text for token in REFERENCE_RE.findall(text)}

    def _qbo_referenced(self):
        """([(purchase, receipt or empty, reason)] of this company, [foreign purchase orders]) the references name."""
        self.ensure_one()
        tokens = self._qbo_references()
        if not tokens:
            return [], []
        Order = self.env["purchase.order"].sudo()
        orders = Order.search([("state", "in", ("purchase", "done")), "|", ("name", "in", list(tokens)),
                               ("partner_ref", "in", list(tokens))])
        receipts = self.env["stock.picking"].sudo().search([
            ("name", "in", list(tokens)), ("picking_type_code", "=", "incoming"), ("purchase_id", "!=", False)])
        found, foreign = [], []
        for order in orders:
            if order.company_id != self.company_id:
                foreign.append(order)
                continue
            reason = (_("purchase order %(name)s", name=order.name) if order.name.upper() in tokens
                      else _("vendor reference %(ref)s", ref=order.partner_ref))
            found.append((order, self.env["stock.picking"], reason))
        for receipt in receipts:
            if receipt.company_id != self.company_id:
                foreign.append(receipt.purchase_id)
                continue
            found.append((receipt.purchase_id, receipt, _("receipt %(name)s", name=receipt.name)))
        return found, foreign

    def _qbo_candidates(self):
        """Orders this bill may pay for, scored out of 100: estimate vs amount, receipt date, vendor name."""
        self.ensure_one()
        cost_types = set(self.line_ids.mapped("cost_type"))
        day = self.txn_date or fields.Date.context_today(self)
        receipts = self.env["stock.picking"].sudo().search([
            ("company_id", "=", self.company_id.id), ("picking_type_code", "=", "incoming"), ("state", "=", "done"),
            ("purchase_id", "!=", False), ("date_done", ">=", day - SUGGESTION_WINDOW),
            ("date_done", "<=", day + timedelta(days=7))])
        scored = []
        for order in receipts.purchase_id:
            estimate = sum(order.landed_cost_estimate_ids.filtered(
                lambda e: e.cost_type in cost_types).mapped("estimated_amount"))
            closeness = 1 - abs(estimate - self.amount) / max(estimate, self.amount) if estimate else 0.0
            days = min(abs((day - r.date_done.date()).days) for r in receipts if r.purchase_id == order)
            vendor = bool(self.vendor_name and self.vendor_name.lower() in order.partner_id.name.lower())
            score = round(60 * max(closeness, 0) + 25 * (1 - days / SUGGESTION_WINDOW.days) + 15 * vendor)
            reason = _("estimate %(estimate).2f for %(amount).2f, received %(days)s days from the bill date%(vendor)s",
                       estimate=estimate, amount=self.amount, days=days,
                       vendor=_(", same vendor") if vendor else "")
            scored.append((order, self.env["stock.picking"], score, reason))
        return sorted(scored, key=lambda item: -item[2])[:SUGGESTIONS]

    def _qbo_suggest(self, suggestions):
        self.ensure_one()
        self.env["qbo.vendor.bill.suggestion"].sudo().create([{
            "bill_id": self.id, "purchase_id": purchase.id, "picking_id": picking.id, "score": score,
            "reason": reason} for purchase, picking, score, reason in suggestions])
