from odoo import Command
from odoo.tests import Form, TransactionCase


class InventoryStateCommon(TransactionCase):
    """Fixtures for the inventory state and ledger tests: one warehouse, AVCO products, a vendor, a customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_loc = cls.env.ref("stock.stock_location_customers")
        cls.category = cls.env["product.category"].create({
            "name": "Knit tops", "property_cost_method": "average", "property_valuation": "manual_periodic"})
        cls.product = cls.env["product.product"].create({
            "name": "Crew tee", "is_storable": True, "categ_id": cls.category.id,
            "standard_price": 5.0, "list_price": 20.0})
        cls.vendor = cls.env["res.partner"].create({"name": "Knit Factory Ltd"})
        cls.customer = cls.env["res.partner"].create({"name": "Boutique Avenue"})
        cls.team = cls.env["crm.team"].create({"name": "Wholesale"})

    # ------------------------------------------------------------------ helpers
    def flush_ledger(self):
        """Run what runs right before commit: the tracker records the pending transitions."""
        self.env.flush_all()
        self.env.cr.flush()

    def state(self, moves):
        """The moves' inventory states, as recorded at commit."""
        self.flush_ledger()
        return moves.mapped("inventory_state")

    def events(self, records):
        """(from_state, to_state, quantity, value) of the events of moves/pickings, in creation order."""
        self.flush_ledger()
        moves = records if records._name == "stock.move" else records.move_ids
        events = self.env["stock.inventory.event"].search([("move_id", "in", moves.ids)], order="id")
        return [(e.from_state or None, e.to_state or None, e.quantity, e.value) for e in events]

    def buy(self, quantity, price=5.0, product=None, warehouse=None, incoterm=None):
        product = product or self.product
        warehouse = warehouse or self.warehouse
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id,
            "picking_type_id": warehouse.in_type_id.id,
            "incoterm_id": incoterm and incoterm.id,
            "order_line": [Command.create({
                "product_id": product.id, "product_qty": quantity, "price_unit": price})],
        })
        order.button_confirm()
        return order

    def sell(self, quantity, product=None, warehouse=None):
        product = product or self.product
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": (warehouse or self.warehouse).id,
            "team_id": self.team.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": quantity})],
        })
        order.action_confirm()
        return order

    def validate(self, picking, quantity=None, backorder=None):
        """Validate through the button, as a user would; ``backorder`` answers the backorder wizard."""
        if quantity is not None:
            picking.move_ids.quantity = quantity
        picking.move_ids.picked = True
        result = picking.button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            wizard = Form.from_action(self.env, result).save()
            if backorder:
                wizard.process()
            else:
                wizard.process_cancel_backorder()
        self.assertEqual(picking.state, "done")
        return picking

    def put_in_stock(self, quantity, product=None, location=None):
        self.env["stock.quant"]._update_available_quantity(product or self.product, location or self.stock, quantity)

    def receive(self, quantity, price=5.0, product=None):
        order = self.buy(quantity, price, product)
        self.validate(order.picking_ids)
        return order
