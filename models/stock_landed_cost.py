from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..const import LANDED_COST_SPLIT_METHODS, LANDED_COST_TYPES


class StockLandedCost(models.Model):
    """Landed costs carried from the receipt on (estimate) and corrected when actual costs arrive (true-up).

    Every amount is a new validated landed cost: nothing validated is ever rewritten. Both kinds
    target amounts per (receipt move, cost type); a landed cost carries the difference between the
    target and what earlier landed costs of the same purchase already applied.
    """

    _inherit = "stock.landed.cost"

    is_estimate = fields.Boolean(
        "Estimate", readonly=True, copy=False, index=True,
        help="Created at receipt from the purchase order's landed cost estimates.")
    is_true_up = fields.Boolean(
        "True-up", readonly=True, copy=False, index=True,
        help="Difference between actual landed costs and what the goods carried so far.")
    purchase_id = fields.Many2one("purchase.order", "Purchase Order", readonly=True, copy=False, index="btree_not_null",
                                  check_company=True)
    estimate_ids = fields.Many2many("purchase.landed.cost.estimate", string="Estimates", readonly=True, copy=False)
    actual_ids = fields.One2many("landed.cost.actual", "true_up_cost_id", "Actual Costs", readonly=True)

    # ------------------------------------------------------------ validation
    def button_validate(self):
        self._check_can_validate()
        # validated on the way when they replace estimates
        self.filtered(lambda c: c.vendor_bill_id and not (c.is_estimate or c.is_true_up))._replace_bill_costs_by_actuals()
        costs = self.filtered(lambda c: c.state == "draft")
        if not costs:
            return True
        costs.filtered(lambda c: not c.valuation_adjustment_lines).compute_landed_cost()
        result = super(StockLandedCost, costs).button_validate()
        # after Odoo's validation: the split reads the layers it has just created
        costs.valuation_adjustment_lines._store_split()
        costs._record_variances()
        self.env["qbo.posting"]._enqueue_landed_costs(costs)
        return result

    # --------------------------------------------------------------- helpers
    @api.model
    def _landed_cost_product(self, cost_type):
        product = self.env["product.product"].search(
            [("landed_cost_ok", "=", True), ("landed_cost_type", "=", cost_type)], limit=1)
        if not product:
            product = self.env["product.product"].sudo().create({
                "name": dict(LANDED_COST_TYPES).get(cost_type, cost_type), "type": "service",
                "landed_cost_ok": True, "landed_cost_type": cost_type})
        return product

    @api.model
    def _received_purchase_moves(self, moves):
        """Done moves of purchased goods whose layers are receipts (a return of a return excluded).

        Layers are read as superuser: a warehouse user validating a receipt has no right to them, and only
        their event is read here.
        """
        return moves.filtered(lambda m: m.state == "done" and m.purchase_line_id and m.quantity
                              and not m.origin_returned_move_id
                              and "receipt" in m.sudo().stock_valuation_layer_ids.mapped("accounting_event"))

    @api.model
    def _move_product_qty(self, move):
        return move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)

    @api.model
    def _vendor_returned_qty(self, move):
        returns = move.returned_move_ids.filtered(
            lambda r: r.state == "done"
            and "vendor_return" in r.sudo().stock_valuation_layer_ids.mapped("accounting_event"))
        return sum(self._move_product_qty(r) for r in returns)

    @api.model
    def _ledger_event_vals(self, product, state, quantity, value, reason, move=None, order=None):
        """Ledger row (stock.inventory.event) for a landed cost fact: same columns as the tracker's events."""
        move = move or self.env["stock.move"]
        company = move.company_id or (order and order.company_id) or self.env.company
        currency = company.currency_id
        return {
            "date": fields.Datetime.now(),
            "company_id": company.id,
            "move_id": move.id,
            "picking_id": move.picking_id.id,
            "product_id": product.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "lot_id": False,
            "quantity": quantity,
            "uom_id": product.uom_id.id,
            "from_state": state,
            "to_state": state,
            "location_id": move.location_dest_id.id,
            "location_dest_id": move.location_dest_id.id,
            "warehouse_id": move.location_dest_id.warehouse_id.id or (order and order.picking_type_id.warehouse_id.id),
            "channel_id": False,
            "unit_cost": currency.round(value / quantity) if quantity else 0.0,
            "value": currency.round(value),
            "user_id": self.env.uid,
            "reason": reason,
            "origin": (order and order.name) or move.origin or False,
            "purchase_order_id": (order or move.purchase_line_id.order_id).id,
            "sale_order_id": False,
            "scrap_id": False,
        }

    # ------------------------------------------------------------ targets
    @api.model
    def _cost_targets(self, order, moves, cost_types):
        """Amount each receipt move should carry per cost type, in company currency.

        Actual costs replace the estimate of their type: a purchase-wide actual is spread like the
        estimates (their amounts as weights, factory value when there is none) over everything
        ordered, so each receipt takes its share; an actual entered on a receipt is spread over
        that receipt only.

        :returns: dict {(move, cost_type): amount rounded to the cent}
        """
        company = order.company_id
        currency = company.currency_id
        order_date = order.date_order or fields.Date.context_today(self)
        actuals = order.landed_cost_actual_ids.filtered(lambda a: a.state == "applied")
        lines = order.order_line.filtered(lambda l: not l.display_type and l.product_id.is_storable)

        def denominator(line):
            received = line.product_uom._compute_quantity(line.qty_received, line.product_id.uom_id)
            return max(line.product_uom_qty, received) or 1.0

        targets = {}
        for cost_type in cost_types:
            estimates = order.landed_cost_estimate_ids.filtered(lambda e: e.cost_type == cost_type)
            allocations = [(estimate, estimate._line_amounts()) for estimate in estimates]
            if allocations:
                line_weights = defaultdict(float)
                for estimate, amounts in allocations:
                    for line, amount in amounts.items():
                        line_weights[line] += estimate.currency_id._convert(
                            amount, currency, company, order_date, round=False)
            else:
                line_weights = {line: order.currency_id._convert(
                    line.price_subtotal, currency, company, order_date, round=False) for line in lines}
            total_weight = sum(line_weights.values())
            type_actuals = actuals.filtered(lambda a: a.cost_type == cost_type)
            order_actual = sum(type_actuals.filtered(lambda a: not a.picking_id).mapped("amount_company"))
            has_order_actual = bool(type_actuals.filtered(lambda a: not a.picking_id))

            move_weights = {}
            for move in moves:
                line = move.purchase_line_id
                move_weights[move] = line_weights.get(line, 0.0) * self._move_product_qty(move) / denominator(line)
            for move in moves:
                line = move.purchase_line_id
                share = self._move_product_qty(move) / denominator(line)
                picking_actuals = type_actuals.filtered(lambda a: a.picking_id == move.picking_id)
                target = 0.0
                if has_order_actual and total_weight:
                    target += order_actual * move_weights[move] / total_weight
                if picking_actuals:
                    picking_weight = sum(w for m, w in move_weights.items() if m.picking_id == move.picking_id)
                    if picking_weight:
                        target += sum(picking_actuals.mapped("amount_company")) * move_weights[move] / picking_weight
                if not has_order_actual and not picking_actuals:
                    move_date = move.date.date() if move.date else fields.Date.context_today(self)
                    target = sum(estimate.currency_id._convert(
                        amounts.get(line, 0.0) * share, currency, company, move_date, round=False)
                        for estimate, amounts in allocations)
                targets[(move, cost_type)] = currency.round(target)
        return targets

    @api.model
    def _applied_costs(self, order, moves, cost_types):
        """What validated landed costs of ``order`` already put on each move, per cost type."""
        applied = defaultdict(float)
        lines = self.env["stock.valuation.adjustment.lines"].search([
            ("cost_id.purchase_id", "=", order.id), ("cost_id.state", "=", "done"),
            ("cost_type", "in", list(cost_types)),
            "|", ("move_id", "in", moves.ids), ("standard_move_id", "in", moves.ids)])
        for line in lines:
            applied[(line.move_id or line.standard_move_id, line.cost_type)] += line.additional_landed_cost
        return applied

    @api.model
    def _validate_to_targets(self, order, moves, cost_types, kind, actuals=None, bill_cost=None):
        """Create (or fill ``bill_cost``) and validate the landed cost bringing ``moves`` to their targets.

        :param kind: 'estimate' (at receipt) or 'true_up' (actual costs applied)
        :returns: the validated landed cost, or an empty recordset when nothing changes
        """
        order_of = {key: index for index, (key, _label) in enumerate(LANDED_COST_TYPES)}
        cost_types = sorted(cost_types, key=lambda t: order_of.get(t, len(order_of)))
        targets = self._cost_targets(order, moves, cost_types)
        applied = self._applied_costs(order, moves, cost_types)
        currency = order.company_id.currency_id
        differences = defaultdict(list)
        for (move, cost_type), target in targets.items():
            previous = applied.get((move, cost_type), 0.0)
            difference = currency.round(target - previous)
            if not currency.is_zero(difference):
                differences[cost_type].append((move, difference, previous))
        if not differences and not bill_cost:
            return self.browse()
        vals = self._prepare_landed_cost_vals(order, differences, kind, actuals)
        if bill_cost:
            bill_cost.write(dict(vals, cost_lines=[Command.clear()] + vals["cost_lines"]))
            cost = bill_cost
        else:
            cost = self.create(vals)
        cost.valuation_adjustment_lines.unlink()  # draft only: ours replace any computed by Odoo
        self.env["stock.valuation.adjustment.lines"].create(
            cost._prepare_adjustment_vals(differences))
        if actuals:
            actuals.true_up_cost_id = cost
        cost.button_validate()
        return cost

    @api.model
    def _prepare_landed_cost_vals(self, order, differences, kind, actuals):
        types = dict(LANDED_COST_TYPES)
        cost_lines = []
        estimates = order.landed_cost_estimate_ids
        for cost_type, rows in differences.items():
            type_estimates = estimates.filtered(lambda e: e.cost_type == cost_type)
            product = type_estimates[:1].product_id or self._landed_cost_product(cost_type)
            method = type_estimates[:1].method
            cost_lines.append(Command.create({
                "name": _("%(type)s %(kind)s", type=types.get(cost_type, cost_type),
                          kind=_("estimate") if kind == "estimate" else _("true-up")),
                "product_id": product.id,
                "cost_type": cost_type,
                "price_unit": order.company_id.currency_id.round(sum(row[1] for row in rows)),
                "split_method": LANDED_COST_SPLIT_METHODS.get(method, "by_current_cost_price"),
            }))
        pickings = self.env["stock.picking"].union(*(move.picking_id for rows in differences.values()
                                                     for move, _d, _p in rows))
        references = ", ".join(a.name for a in actuals or [] if a.name)
        return {
            "company_id": order.company_id.id,
            "date": fields.Date.context_today(self),
            "picking_ids": [Command.set(pickings.ids)],
            "purchase_id": order.id,
            "is_estimate": kind == "estimate",
            "is_true_up": kind == "true_up",
            "estimate_ids": [Command.set(estimates.filtered(lambda e: e.cost_type in differences).ids)],
            "description": (_("Estimated landed costs of %(order)s", order=order.name) if kind == "estimate"
                            else _("True-up of %(order)s to actual costs %(refs)s", order=order.name, refs=references)),
            "cost_lines": cost_lines,
        }

    def _prepare_adjustment_vals(self, differences):
        self.ensure_one()
        vals_list = []
        for cost_line in self.cost_lines:
            for move, difference, previous in differences.get(cost_line.cost_type, []):
                qty = self._move_product_qty(move)
                standard = move.product_id.cost_method == "standard"
                vals_list.append({
                    "cost_id": self.id,
                    "cost_line_id": cost_line.id,
                    # Odoo values only FIFO/AVCO goods; a standard-cost share is kept off its layers
                    "move_id": False if standard else move.id,
                    "standard_move_id": move.id if standard else False,
                    "product_id": move.product_id.id,
                    "quantity": qty,
                    "weight": move.product_id.weight * qty,
                    "volume": move.product_id.volume * qty,
                    "former_cost": sum(move.stock_valuation_layer_ids.mapped("value")),
                    "additional_landed_cost": difference,
                    "qbo_previous_amount": previous,
                })
        return vals_list

    # -------------------------------------------------------------- entry points
    @api.model
    def _apply_receipt_estimates(self, pickings):
        """Give the goods just received their landed cost: one estimate landed cost per purchase order."""
        moves = self._received_purchase_moves(pickings.move_ids)
        costs = self.browse()
        for order, order_moves in moves.grouped(lambda m: m.purchase_line_id.order_id).items():
            cost_types = set(order.landed_cost_estimate_ids.mapped("cost_type")) | set(
                order.landed_cost_actual_ids.filtered(lambda a: a.state == "applied").mapped("cost_type"))
            if cost_types:
                costs |= self.sudo().with_company(order.company_id)._validate_to_targets(
                    order, order_moves, cost_types, "estimate")
        return costs

    @api.model
    def _apply_actuals(self, actuals, bill_cost=None):
        """Bring every receipt of the actuals' purchase orders to the actual cost of their types."""
        costs = self.browse()
        for order, order_actuals in actuals.grouped("purchase_id").items():
            moves = self._received_purchase_moves(order.picking_ids.move_ids)
            # The user may apply the actuals (action_apply checked it); creating and validating the landed cost
            # they lead to (layers, journal entry) takes inventory administrator rights: the system does it.
            costs |= self.sudo().with_company(order.company_id)._validate_to_targets(
                order.sudo(), moves.sudo(), set(order_actuals.mapped("cost_type")), "true_up", order_actuals.sudo(),
                bill_cost=bill_cost and bill_cost.sudo())
        return costs

    def _replace_bill_costs_by_actuals(self):
        """A landed cost made from a vendor bill (Odoo's bill path) on estimated receipts becomes actual costs:
        the bill amounts are recorded as actuals and the landed cost carries only the difference."""
        for cost in self:
            orders = cost.picking_ids.move_ids.purchase_line_id.order_id
            estimated = orders.filtered(lambda o: o.landed_cost_ids.filtered("is_estimate"))
            if not estimated:
                continue
            if len(orders) > 1:
                raise UserError(_(
                    "Landed cost %(cost)s from bill %(bill)s covers receipts of several purchase orders "
                    "(%(orders)s) that carry estimated landed costs. Select the receipts of one purchase order.",
                    cost=cost.name, bill=cost.vendor_bill_id.name, orders=", ".join(orders.mapped("name"))))
            bill = cost.vendor_bill_id
            received = orders.picking_ids.filtered(lambda p: p.state == "done" and p.picking_type_code == "incoming")
            picking = cost.picking_ids if len(cost.picking_ids) == 1 and len(received) > 1 else False
            actuals = self.env["landed.cost.actual"].create([{
                "purchase_id": orders.id,
                "picking_id": picking and picking.id,
                "cost_type": line.cost_type or "other",
                "product_id": line.product_id.id,
                "kind": "credit_note" if bill.move_type == "in_refund" else "bill",
                "amount": abs(line.price_unit),
                "currency_id": cost.currency_id.id,
                "date": bill.invoice_date or bill.date,
                "name": bill.name,
                "bill_id": bill.id,
            } for line in cost.cost_lines])
            actuals._check_can_apply()
            actuals._mark_applied()
            self._apply_actuals(actuals, bill_cost=cost)

    # ------------------------------------------------------------- ledger
    def _record_variances(self):
        """One ledger event per receipt move and cost type a true-up changed: what, how much and why."""
        types = dict(LANDED_COST_TYPES)
        vals_list = []
        for line in self.filtered("is_true_up").valuation_adjustment_lines:
            move = line.move_id or line.standard_move_id
            currency = line.cost_id.currency_id
            if not move or currency.is_zero(line.additional_landed_cost):
                continue
            actuals = line.cost_id.actual_ids.filtered(lambda a: a.cost_type == line.cost_type)
            reason = _(
                "Landed cost variance %(type)s on %(receipt)s (%(order)s): estimated %(before)s, actual %(after)s "
                "(%(diff)+.2f, %(percent)+.1f %%); %(onhand).2f to inventory, %(sold).2f to COGS%(rest)s; %(refs)s",
                type=types.get(line.cost_type, line.cost_type), receipt=move.picking_id.name,
                order=line.cost_id.purchase_id.name, before=f"{line.qbo_previous_amount:.2f}",
                after=f"{line.qbo_previous_amount + line.additional_landed_cost:.2f}",
                diff=line.additional_landed_cost, percent=line.variance_percent,
                onhand=line.qbo_onhand_amount, sold=line.qbo_sold_amount,
                rest=(_(", %(amount).2f with the vendor return", amount=line.qbo_returned_amount)
                      if line.qbo_returned_amount else "")
                     + (_(", %(amount).2f to landed cost variance (standard cost)", amount=line.qbo_variance_amount)
                        if line.qbo_variance_amount else ""),
                refs=", ".join(f"{a.name or a.kind} {a.note or ''}".strip() for a in actuals) or line.cost_id.name)
            vals_list.append(self._ledger_event_vals(
                move.product_id, move.inventory_state if move.inventory_state not in (False, "cancelled") else "available",
                0.0, line.additional_landed_cost, reason, move=move, order=line.cost_id.purchase_id))
        self.env["stock.inventory.event"].sudo()._record(vals_list)

    # ---------------------------------------------------------- accounting
    def _qbo_accounting_lines(self):
        """Valued accounting lines per landed cost, by account role, for the QuickBooks posting.

        On-hand share → Inventory, shipped share → COGS, share returned to the vendor → GRNI (it
        follows the vendor return), standard-cost goods → Landed Cost Variance; the whole amount is
        credited to Accrued Landed Cost of its type. Amounts are signed (+ debit, − credit), in
        company currency, to the cent, and sum to zero per landed cost.

        :returns: dict {landed cost id: [{role, cost_type, amount, product_id, quantity, description}]}
        :rtype: dict
        """
        types = dict(LANDED_COST_TYPES)
        result = {}
        for cost in self:
            currency = cost.currency_id
            lines = []
            credits = defaultdict(float)
            for adj in cost.valuation_adjustment_lines:
                cost_type = adj.cost_type or "other"
                label = f"{cost.name} {types.get(cost_type, cost_type)} {adj.product_id.display_name}"
                picking = (adj.move_id or adj.standard_move_id).picking_id.name
                if picking:
                    label += f" ({picking})"
                amount = adj.additional_landed_cost
                sold, returned, variance = adj.qbo_sold_amount, adj.qbo_returned_amount, adj.qbo_variance_amount
                onhand = currency.round(amount - sold - returned - variance)
                for role, value, qty, what in (
                        ("inventory", onhand, adj.qbo_onhand_qty or False, _("on hand")),
                        ("cogs", sold, adj.qbo_sold_qty, _("already shipped")),
                        ("grni", returned, adj.qbo_returned_qty, _("returned to vendor")),
                        ("landed_cost_variance", variance, adj.quantity, _("standard cost"))):
                    if not currency.is_zero(value):
                        lines.append({
                            "role": role, "cost_type": cost_type, "amount": currency.round(value),
                            "product_id": adj.product_id.id, "quantity": qty or False,
                            "description": f"{label}: {what}"[:4000]})
                credits[cost_type] += amount
            for cost_type, amount in credits.items():
                if not currency.is_zero(amount):
                    lines.append({
                        "role": "accrued_landed_cost", "cost_type": cost_type, "amount": -currency.round(amount),
                        "product_id": False, "quantity": False,
                        "description": _("%(cost)s Accrued Landed Cost – %(type)s%(order)s", cost=cost.name,
                                         type=types.get(cost_type, cost_type),
                                         order=f" ({cost.purchase_id.name})" if cost.purchase_id else "")})
            imbalance = currency.round(sum(line["amount"] for line in lines))
            if lines and not currency.is_zero(imbalance):
                largest = max(lines, key=lambda line: abs(line["amount"]))
                largest["amount"] = currency.round(largest["amount"] - imbalance)
            result[cost.id] = lines
        return result


class StockLandedCostLine(models.Model):
    _inherit = "stock.landed.cost.lines"

    cost_type = fields.Selection(
        LANDED_COST_TYPES, compute="_compute_cost_type", store=True, readonly=False, precompute=True)

    @api.depends("product_id")
    def _compute_cost_type(self):
        for line in self:
            line.cost_type = line.product_id.landed_cost_type or line.cost_type or "other"


class StockValuationAdjustmentLine(models.Model):
    _inherit = "stock.valuation.adjustment.lines"

    cost_type = fields.Selection(related="cost_line_id.cost_type", store=True, index=True)
    standard_move_id = fields.Many2one(
        "stock.move", "Standard Cost Move", readonly=True, index="btree_not_null",
        help="Receipt move of a standard-cost product: its share goes to landed cost variance, not to its layers.")
    picking_id = fields.Many2one("stock.picking", "Receipt", compute="_compute_picking_id", store=True, index=True)
    purchase_id = fields.Many2one(related="cost_id.purchase_id", store=True, string="Purchase Order")
    partner_id = fields.Many2one(related="cost_id.purchase_id.partner_id", store=True, string="Vendor")
    lane = fields.Char(related="cost_id.purchase_id.landed_cost_lane", store=True)
    is_true_up = fields.Boolean(related="cost_id.is_true_up", store=True)
    company_id = fields.Many2one(related="cost_id.company_id", store=True, index=True)
    qbo_previous_amount = fields.Monetary(
        "Carried Before", readonly=True, help="What the goods carried for this cost type before this landed cost.")
    variance_percent = fields.Float(
        "Variance %", compute="_compute_variance_percent", store=True, digits=(16, 1))
    qbo_onhand_qty = fields.Float("On Hand Qty", readonly=True, digits="Product Unit of Measure")
    qbo_sold_qty = fields.Float("Shipped Qty", readonly=True, digits="Product Unit of Measure")
    qbo_returned_qty = fields.Float("Returned Qty", readonly=True, digits="Product Unit of Measure")
    qbo_onhand_amount = fields.Monetary("To Inventory", readonly=True)
    qbo_sold_amount = fields.Monetary("To COGS", readonly=True)
    qbo_returned_amount = fields.Monetary("With Vendor Return", readonly=True)
    qbo_variance_amount = fields.Monetary("To Variance", readonly=True)

    @api.depends("move_id.picking_id", "standard_move_id.picking_id")
    def _compute_picking_id(self):
        for line in self:
            line.picking_id = (line.move_id or line.standard_move_id).picking_id

    @api.depends("additional_landed_cost", "qbo_previous_amount")
    def _compute_variance_percent(self):
        for line in self:
            line.variance_percent = (
                100.0 * line.additional_landed_cost / line.qbo_previous_amount if line.qbo_previous_amount else 0.0)

    def _store_split(self):
        """Store where each amount went once Odoo validated it: on hand, shipped, returned to the vendor.

        The on-hand share is what Odoo's validation put on the move's layers (the landed cost layers it
        created); the rest of the amount stayed with the goods already gone: the share of the units
        returned to the vendor, and what was shipped (the rest). Validation adds value to the layers,
        never quantity, so the remaining quantities read here are the ones Odoo prorated by.
        """
        LandedCost = self.env["stock.landed.cost"]
        layers = self.env["stock.valuation.layer"].sudo().search([
            ("stock_landed_cost_id", "in", self.cost_id.ids), ("stock_move_id", "in", self.move_id.ids)])
        onhand_by_line = self._onhand_shares(layers)
        for line in self:
            if line.standard_move_id:
                line.write({"qbo_variance_amount": line.additional_landed_cost, "qbo_onhand_amount": 0.0,
                            "qbo_sold_amount": 0.0, "qbo_returned_amount": 0.0})
                continue
            move = line.move_id
            move_qty = move and LandedCost._move_product_qty(move)
            if not move_qty:
                continue
            currency = line.cost_id.currency_id
            amount = line.additional_landed_cost
            remaining = sum(move._get_stock_valuation_layer_ids().mapped("remaining_qty"))
            out_qty = move_qty - remaining if move._is_in() else move_qty
            returned_qty = min(out_qty, LandedCost._vendor_returned_qty(move)) if move._is_in() else 0.0
            onhand = onhand_by_line.get(line, 0.0)
            returned = currency.round(amount * returned_qty / move_qty)
            line.write({
                "qbo_onhand_qty": remaining, "qbo_sold_qty": out_qty - returned_qty,
                "qbo_returned_qty": returned_qty, "qbo_onhand_amount": onhand,
                "qbo_returned_amount": returned, "qbo_sold_amount": currency.round(amount - onhand - returned),
                "qbo_variance_amount": 0.0})

    def _onhand_shares(self, layers):
        """{adjustment line: value Odoo's layers gave it}, from the landed cost layers ``layers``.

        A layer names its landed cost and move, not its adjustment line: the layers of one landed cost
        and move are shared among that move's lines by their amounts (Odoo adds the same fraction of
        each), the last line taking the cents left so that the lines sum to the layers exactly.
        """
        layer_value = defaultdict(float)
        for layer in layers:
            layer_value[(layer.stock_landed_cost_id, layer.stock_move_id)] += layer.value
        shares = {}
        for (cost, move), lines in self.filtered("move_id").grouped(lambda l: (l.cost_id, l.move_id)).items():
            value = layer_value.get((cost, move), 0.0)
            total = sum(lines.mapped("additional_landed_cost"))
            left = value
            for line in lines[:-1]:
                shares[line] = cost.currency_id.round(value * line.additional_landed_cost / total) if total else 0.0
                left -= shares[line]
            shares[lines[-1]] = cost.currency_id.round(left)
        return shares
