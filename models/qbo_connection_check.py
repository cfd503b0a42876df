"""The connection check: read the QuickBooks company, store what posting needs, warn about what to fix."""
from odoo import _, fields, models

from ..qbo_engine.errors import QboError


class QboConnection(models.Model):
    _inherit = "qbo.connection"

    def action_test_connection(self):
        for connection in self:
            connection._qbo_check()
        return True

    def _qbo_check(self, with_commit=True):
        """Read the QuickBooks company and store what matters for posting.

        Stores home currency, closing date (BookCloseDate) and the company name;
        warns when the home currency differs from the company's currency, when
        synced products are inventory-type items in QuickBooks (QuickBooks would
        book their cost of goods sold a second time), and when roles have no
        company-wide account.

        :returns: True when QuickBooks answered, False when the call failed
        """
        self.ensure_one()
        now = fields.Datetime.now()
        try:
            with self._qbo_client(with_commit=with_commit) as client:
                settings = client.company_settings()
                company_info = client.company_info()
                inventory_items = client.inventory_items()
        except QboError as error:
            self._qbo_set_error(error)
            self.write({"last_check_date": now, "check_warning": True, "last_check_message": self.state_message})
            return False
        warnings = self._qbo_check_warnings(settings, inventory_items)
        if warnings:
            message = "\n".join("• " + warning for warning in warnings)
        else:
            message = _("QuickBooks answered; nothing to fix.")
        self.write({
            "state": "connected",
            "state_message": False,
            "last_check_date": now,
            "last_check_message": message,
            "check_warning": bool(warnings),
            "home_currency": settings.home_currency or False,
            "book_close_date": settings.closing_date or False,
            "qbo_company_name": getattr(company_info, "CompanyName", None) or False,
        })
        return True

    def _qbo_check_warnings(self, settings, inventory_items):
        """Sentences for the accountant, one per problem found by the connection check."""
        self.ensure_one()
        warnings = []
        company_currency = self.company_id.currency_id.name
        if settings.home_currency and settings.home_currency != company_currency:
            warnings.append(_(
                "The QuickBooks home currency is %(qbo)s but %(company)s keeps its stock in %(odoo)s: "
                "connect the QuickBooks company whose home currency is %(odoo)s.",
                qbo=settings.home_currency, company=self.company_id.name, odoo=company_currency))
        clashing = self._qbo_synced_inventory_items(inventory_items)
        if clashing:
            warnings.append(_(
                "These products are inventory-type items in QuickBooks, which books their cost of goods sold "
                "itself, so it would be counted twice: %(items)s. Make them non-inventory items in QuickBooks.",
                items=", ".join(clashing)))
        if settings.warn_duplicate_journal_number is False:
            warnings.append(_(
                "QuickBooks accepts a second journal entry with a number already used (the preference \"Warn if "
                "duplicate journal number is used\" is off). Turn it on in QuickBooks (Settings → Account and "
                "settings → Advanced → Other preferences): QuickBooks then refuses a duplicate itself, a last "
                "safety net against booking an entry twice."))
        if settings.closing_date:
            warnings.append(_("QuickBooks' books are closed through %(date)s: entries dated then or earlier are "
                              "refused.", date=settings.closing_date))
        unmapped = self.env["qbo.account.mapping"]._qbo_unmapped_roles(self.company_id)
        if unmapped:
            warnings.append(_("No company-wide QuickBooks account for: %(roles)s (QuickBooks → Configuration → "
                              "Account Mapping).", roles=", ".join(unmapped)))
        return warnings

    def _qbo_synced_inventory_items(self, inventory_items):
        """Names of QuickBooks inventory-type items that match a storable product of the company."""
        self.ensure_one()
        by_name = {(item.Name or "").strip().casefold(): item.Name for item in inventory_items if item.Name}
        if not by_name:
            return []
        products = self.env["product.product"].sudo().with_context(active_test=False).search([
            ("is_storable", "=", True), ("company_id", "in", [False, self.company_id.id])])
        found = set()
        for product in products:
            for key in (product.name, product.default_code, product.display_name):
                name = by_name.get((key or "").strip().casefold())
                if name:
                    found.add(name)
        return sorted(found)
