"""Entry points of the apparel demo (data/demo/demo_apparel.xml and the ``./demo`` command).

The demo's records are created here rather than as XML records: stock moves, orders and valuation
layers end up referencing the products, partners and warehouses, so uninstalling the addon could
not delete them, and their external ids would stay behind. Created without external ids they stay
as ordinary business data when the addon is uninstalled.
"""
import logging
import time

from odoo import api, models

from ..demo_data.activity import QuarterStory
from ..demo_data.allocations import create_allocations
from ..demo_data.catalog import create_catalog
from ..demo_data.clock import DemoClock
from ..demo_data.company import create_company_setup
from ..demo_data.quickbooks import DemoQuickBooks

_logger = logging.getLogger(__name__)


class StockQuickbooksDemo(models.AbstractModel):
    _name = "stock.quickbooks.demo"
    _description = "Stock QuickBooks Sync: apparel demo loader"

    @api.model
    def _load_demo(self, today=None):
        """Create the apparel company's catalog, setup and quarter of activity in the current company.

        :param today: last day of the story (default: today)
        :returns: the played story (setup, styles, orders, deliveries, late bill, ...)
        """
        started = time.monotonic()
        env = self.env(context=dict(self.env.context, tracking_disable=True, mail_create_nolog=True,
                                    mail_notrack=True))
        company = env.company
        company.name = "Harbor & Loom Apparel"  # the main company, dressed as the apparel company
        clock = DemoClock(env, today=today)
        styles = create_catalog(env, company, clock.today)
        setup = create_company_setup(env, company)
        story = QuarterStory(env, clock, setup, styles).play()
        story.allocations = create_allocations(env, setup, styles)
        _logger.info("apparel demo loaded in %.1f s", time.monotonic() - started)
        return story

    @api.model
    def _demo_quickbooks(self):
        """The demo's QuickBooks side: connect to the emulator, post the quarter, summarize (``./demo``)."""
        return DemoQuickBooks(self.env)
