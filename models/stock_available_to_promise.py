"""Available to promise (ATP): the one place that says how much of a product sales may still promise.

Every screen (product, sale order line, reports, demo) calls ``_compute_atp``; none computes its own.
"""
from collections import defaultdict

from odoo import api, models
from odoo.tools import float_round

# The terms of one ATP answer, in the order the screens show them.
ATP_TERMS = ("on_hand", "quality_hold", "sellable", "reserved", "safety_stock", "free",
             "allocated_own", "allocated_others", "atp")


class StockAvailableToPromise(models.AbstractModel):
    _name = "stock.available.to.promise"
    _description = "Available to Promise"

    @api.model
    def _compute_atp(self, products, warehouse=None, channels=None):
        """Available to promise of ``products`` per sales channel, with every term of the formula.

        Scope: ``warehouse`` (a stock.warehouse) or, when None, every warehouse of the current
        companies. All quantities are in the product's unit of measure.

        Terms (one ``_read_group`` on stock.quant for all internal locations of the scope, one for
        its hold locations; no loop over quants):

        - ``on_hand``: quantity in the internal locations of the scope;
        - ``quality_hold``: the part of ``on_hand`` in hold locations: flagged Quality Hold or Return
          Inspection, scrap locations, and the warehouse's own Quality Control location (and below);
        - ``sellable`` = on_hand − quality_hold: on hand in sellable locations (hold is subtracted here,
          once, and nowhere else);
        - ``reserved``: reserved quantity on the quants of the sellable locations (goods already
          promised to a transfer, including goods picked or packed in Output);
        - ``safety_stock``: the variant's safety stock, kept back in whatever scope is asked;
        - ``free`` = max(0, sellable − reserved − safety_stock): the pool sales may promise;
        - ``allocated_own``: what the channel's allocation sets aside for it (0 without one);
        - ``allocated_others``: the sum of the allocations of every OTHER channel;
        - ``atp`` = max(0, free − allocated_others).

        So a channel may promise its own allocation plus the unallocated part of the free pool; a
        channel without allocation shares the unallocated pool only. Allocations ring-fence the free
        pool: a percent allocation is that percent of ``free``, a quantity allocation that many units
        (the channel's confirmed orders are already in ``reserved``, they do not use up the allocation).
        For each channel and product one allocation applies, the most specific: the product's over its
        category's (the nearest category wins), and within each, the warehouse's over a company-wide one.
        An allocation for a warehouse applies only when ATP is asked for that warehouse.

        :param products: product.product recordset
        :param warehouse: stock.warehouse record or None (every warehouse of the current companies)
        :param channels: crm.team recordset, or None for the channels' total only
        :returns: dict {(product id, channel id or False): dict of ``ATP_TERMS`` → float, plus
            ``product_id``, ``channel_id`` (False for the total) and ``warehouse_id`` (False for all)}.
            With ``channels=None`` the keys are (product id, False) and ``atp`` equals ``free``.
        """
        if not products:
            return {}
        warehouses = warehouse or self.env["stock.warehouse"].search([("company_id", "in", self.env.companies.ids)])
        on_hand, hold, reserved, hold_reserved = self._read_stock(products, warehouses)
        allocations = self._allocations(products, warehouse) if channels else {}
        result = {}
        for product in products:
            rounding = product.uom_id.rounding
            pid = product.id
            sellable = on_hand[pid] - hold[pid]
            sellable_reserved = reserved[pid] - hold_reserved[pid]
            safety = product.safety_stock_qty or 0.0
            free = max(0.0, sellable - sellable_reserved - safety)
            per_channel = allocations.get(pid, {})
            amounts = {cid: self._allocation_amount(alloc, free) for cid, alloc in per_channel.items()}
            total_allocated = sum(amounts.values())
            for channel in (channels if channels else [None]):
                own = amounts.get(channel.id, 0.0) if channel else 0.0
                others = total_allocated - own if channel else 0.0
                figures = {
                    "on_hand": on_hand[pid],
                    "quality_hold": hold[pid],
                    "sellable": sellable,
                    "reserved": sellable_reserved,
                    "safety_stock": safety,
                    "free": free,
                    "allocated_own": own,
                    "allocated_others": others,
                    "atp": max(0.0, free - others),
                }
                figures = {term: float_round(value, precision_rounding=rounding) for term, value in figures.items()}
                figures.update(product_id=pid, channel_id=channel.id if channel else False,
                               warehouse_id=warehouse.id if warehouse else False)
                result[(pid, figures["channel_id"])] = figures
        return result

    @api.model
    def _atp_by_product(self, products, warehouse=None, channel=None):
        """Shortcut: {product id: atp} for one channel (or the channels' total when ``channel`` is empty)."""
        figures = self._compute_atp(products, warehouse, channel or None)
        return {pid: terms["atp"] for (pid, _cid), terms in figures.items()}

    # ------------------------------------------------------------------ stock
    @api.model
    def _hold_location_domain(self, warehouses):
        """Internal locations of ``warehouses`` whose goods are on hand but never promised."""
        hold = [("is_quality_hold", "=", True), ("is_return_inspection", "=", True), ("scrap_location", "=", True)]
        qc_locations = warehouses.wh_qc_stock_loc_id
        if qc_locations:
            hold.append(("id", "child_of", qc_locations.ids))
        return [("usage", "=", "internal"), ("warehouse_id", "in", warehouses.ids)] + ["|"] * (len(hold) - 1) + hold

    @api.model
    def _read_stock(self, products, warehouses):
        """(on hand, hold, reserved, reserved in hold) per product id, from two grouped reads of the quants."""
        Quant = self.env["stock.quant"]
        base = [("product_id", "in", products.ids)]
        internal = [("location_id.usage", "=", "internal"), ("location_id.warehouse_id", "in", warehouses.ids)]
        hold_locations = self.env["stock.location"].with_context(active_test=False).search(
            self._hold_location_domain(warehouses))
        hold = [("location_id", "in", hold_locations.ids)]
        results = []
        for location_domain in (internal, hold if hold_locations else None):
            quantity, reserved = defaultdict(float), defaultdict(float)
            if location_domain:
                for product, qty, res in Quant._read_group(
                        base + location_domain, ["product_id"], ["quantity:sum", "reserved_quantity:sum"]):
                    quantity[product.id], reserved[product.id] = qty or 0.0, res or 0.0
            results.append((quantity, reserved))
        (on_hand, reserved), (hold_qty, hold_reserved) = results
        return on_hand, hold_qty, reserved, hold_reserved

    # ------------------------------------------------------------ allocations
    @api.model
    def _allocations(self, products, warehouse):
        """{product id: {channel id: allocation}}: the allocation that applies per product and channel.

        Reads every channel's allocations (a channel's ATP depends on the others'), in one search.
        """
        categories = products.categ_id
        parent_ids = {int(cid) for path in categories.mapped("parent_path") for cid in path.split("/") if cid}
        companies = warehouse.company_id if warehouse else self.env.companies
        domain = [
            ("company_id", "in", companies.ids),
            ("warehouse_id", "in", [warehouse.id, False] if warehouse else [False]),
            "|", ("product_id", "in", products.ids), ("categ_id", "in", list(parent_ids)),
        ]
        allocations = self.env["stock.channel.allocation"].search(domain)
        # Index once so each product looks only at its own and its categories' allocations.
        by_target = defaultdict(list)
        for alloc in allocations:
            key = ("product", alloc.product_id.id) if alloc.product_id else ("categ", alloc.categ_id.id)
            by_target[key].append(alloc)
        by_product = {}
        for product in products:
            category_ids = [int(cid) for cid in (product.categ_id.parent_path or "").split("/") if cid]
            candidates = [((2, 0, bool(a.warehouse_id)), a) for a in by_target[("product", product.id)]]
            for depth, cid in enumerate(category_ids):
                candidates += [((1, depth, bool(a.warehouse_id)), a) for a in by_target[("categ", cid)]]
            best = {}
            for rank, alloc in candidates:
                current = best.get(alloc.channel_id.id)
                if current is None or rank > current[0]:
                    best[alloc.channel_id.id] = (rank, alloc)
            by_product[product.id] = {cid: alloc for cid, (_rank, alloc) in best.items()}
        return by_product

    @api.model
    def _allocation_amount(self, allocation, free):
        if allocation.kind == "percent":
            return free * allocation.value / 100.0
        return allocation.value
