"""Two posters at once over the same committed rows: each row is taken once, and nobody waits.

The rows must be committed for two database connections to see them, so this test works on
real, separate connections (not the test transaction) and removes what it committed.
"""
from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestPostingConcurrency(BaseCase):

    ROWS = 45

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.company_id = env.ref("base.main_company").id
            self.ids = env["qbo.posting"]._enqueue([
                (env.company, "other", env.company, index, []) for index in range(self.ROWS)]).ids
            env["qbo.posting"].browse(self.ids).write({"state": "to_post", "decision_reason": False})
            cr.commit()
        self.addCleanup(self._remove_rows)

    def _remove_rows(self):
        with self.db.cursor() as cr:
            cr.execute("DELETE FROM qbo_posting WHERE id IN %s", [tuple(self.ids)])

    def _claim(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        # A poster that had to wait for another's rows would fail here instead of hanging.
        cr.execute("SET LOCAL lock_timeout = '2s'")
        company = env["res.company"].browse(self.company_id)
        return set(env["qbo.posting"]._qbo_claim(company, self.ids, with_commit=False).ids)

    def test_two_posters_claim_disjoint_rows_without_waiting(self):
        with self.db.cursor() as first_cr, self.db.cursor() as second_cr:
            first = self._claim(first_cr)  # holds its row locks, as a poster does while it sends
            second = self._claim(second_cr)
            self.assertEqual(len(first), 30, "one QuickBooks batch")
            self.assertEqual(len(second), self.ROWS - 30, "the rows the first poster does not hold")
            self.assertFalse(first & second, "no row is taken twice")
            first_cr.commit()  # the first poster's lease is now visible to everyone
            second_cr.rollback()
            third = self._claim(second_cr)
            self.assertEqual(third, set(self.ids) - first, "leased rows stay with their poster")
            second_cr.rollback()
