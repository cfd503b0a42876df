from odoo import fields, models


class InventoryTraceMixin(models.AbstractModel):
    """Adds the event count and the "Trace" smart button to a record the ledger points to."""

    _name = "stock.inventory.trace.mixin"
    _description = "Inventory Event Trace"
    # Field of stock.inventory.event that points to records of the inheriting model.
    _inventory_trace_field = None

    inventory_event_count = fields.Integer("Inventory Events", compute="_compute_inventory_event_count")

    def _compute_inventory_event_count(self):
        counts = dict(self.env["stock.inventory.event"]._read_group(
            [(self._inventory_trace_field, "in", self.ids)],
            groupby=[self._inventory_trace_field], aggregates=["__count"]))
        for record in self:
            record.inventory_event_count = counts.get(record, 0)

    def action_open_inventory_trace(self):
        self.ensure_one()
        return self.env["stock.inventory.event"]._action_trace(
            [(self._inventory_trace_field, "=", self.id)], self.display_name)
