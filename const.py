"""Selections and constants shared by the models (one place, imported everywhere)."""

# The chain of events a unit of stock goes through, in order. Every screen,
# filter and report takes its labels and its order from here.
INVENTORY_STATES = [
    ("ordered", "Ordered"),
    ("in_transit", "In Transit"),
    ("received", "Received"),
    ("quality_hold", "Quality Hold"),
    ("available", "Available"),
    ("reserved", "Reserved"),
    ("picked", "Picked"),
    ("packed", "Packed"),
    ("shipped", "Shipped"),
    ("returned", "Returned"),
    ("inspected", "Inspected"),
    ("scrapped", "Scrapped / Written Off"),
    ("cancelled", "Cancelled"),
]
INVENTORY_STATE_ORDER = {key: index for index, (key, _label) in enumerate(INVENTORY_STATES)}

# States whose goods physically sit in our sellable or holding locations.
ON_HAND_STATES = ("received", "quality_hold", "available", "reserved", "picked", "packed", "returned", "inspected")

# Incoterms under which ownership passes to the buyer at origin: the goods are
# ours (in transit) from the moment the vendor ships them.
ORIGIN_OWNERSHIP_INCOTERMS = ("EXW", "FCA", "FAS", "FOB")

UNCLASSIFIED_PREFIX = "unclassified: "

# Landed cost types a landed-cost product carries; each has its own accrual account role.
LANDED_COST_TYPES = [
    ("freight", "Freight"),
    ("duty", "Duty"),
    ("broker", "Broker"),
    ("insurance", "Insurance"),
    ("other", "Other"),
]

# Account roles mapped to QuickBooks accounts (qbo.account.mapping). The accrued landed
# cost role is further scoped by cost type.
ACCOUNT_ROLES = [
    ("inventory", "Inventory"),
    ("inventory_in_transit", "Inventory in Transit"),
    ("inventory_quality_hold", "Inventory – Quality Hold"),
    ("grni", "Inventory Received Not Billed (GRNI)"),
    ("cogs", "Cost of Goods Sold"),
    ("accrued_landed_cost", "Accrued Landed Cost"),
    ("landed_cost_variance", "Landed Cost Variance"),
    ("shrinkage", "Shrinkage"),
    ("inventory_adjustment", "Inventory Adjustment"),
    ("revaluation", "Inventory Revaluation"),
]

# Outbox states (DESIGN.md, "Posting exactly once").
POSTING_STATES = [
    ("draft", "Preview"),
    ("to_post", "To Post"),
    ("posted", "Posted"),
    ("failed", "Failed (will retry)"),
    ("blocked", "Blocked (needs a person)"),
    ("skipped", "Skipped"),
]

# Error kinds of the engine (qbo_engine.errors.ErrorKind), stored on postings and attempts.
ERROR_KINDS = [
    ("retry_later", "Retry later"),
    ("reauth", "Reconnect needed"),
    ("ambiguous", "Ambiguous (look up first)"),
    ("blocked", "Blocked"),
    ("config", "Configuration"),
]

# The valued events of the accounting scheme, one posting each.
POSTING_EVENTS = [
    ("receipt", "Receipt"),
    ("in_transit", "Shipped by Vendor"),
    ("delivery", "Shipment"),
    ("customer_return", "Customer Return"),
    ("vendor_return", "Return to Vendor"),
    ("scrap", "Scrap"),
    ("adjustment", "Count Adjustment"),
    ("dropship", "Dropship"),
    ("revaluation", "Revaluation"),
    ("landed_cost", "Landed Cost"),
    ("hold_release", "Quality Hold Change"),
    ("daily_summary", "Daily Summary"),
    ("unclassified", "Unclassified (blocked)"),
    ("other", "Other"),
]

# The accounting event of a valuation layer (stock.valuation.layer.accounting_event), decided once
# when the layer is created from what its move knows then; postings, explanations, the margin
# bridge and the reports read it and never classify a layer again. A dropship makes two layers:
# the one on the customer's side is the event (the out layer of a dropship, the in layer of its
# return), the other mirrors it on the vendor's side.
LAYER_EVENTS = [
    ("receipt", "Receipt"),
    ("delivery", "Shipment"),
    ("customer_return", "Customer Return"),
    ("vendor_return", "Return to Vendor"),
    ("scrap", "Scrap"),
    ("adjustment", "Count Adjustment"),
    ("dropship", "Dropship"),
    ("dropship_vendor", "Dropship, Vendor Side"),
    ("revaluation", "Revaluation"),
    ("landed_cost", "Landed Cost"),
    ("unclassified", "Unclassified"),
]
# The posting a layer's event belongs to, where it is not the event itself.
LAYER_EVENT_POSTING = {"dropship_vendor": "dropship"}
# Which two account roles a layer's value moves between, per event: the layer's signed value goes
# to the first role, its opposite to the second ("stock" is Inventory or, for goods in a hold
# location, Inventory – Quality Hold). Events without roles post nothing from their layers: the
# vendor side of a dropship mirrors its customer side, a landed cost posts from the landed cost
# (both shares, see DESIGN.md), an unclassified layer blocks its posting.
LAYER_EVENT_ROLES = {
    "receipt": ("stock", "grni"),
    "delivery": ("stock", "cogs"),
    "customer_return": ("stock", "cogs"),
    "vendor_return": ("stock", "grni"),
    "scrap": ("stock", "shrinkage"),
    "adjustment": ("stock", "inventory_adjustment"),
    "dropship": ("grni", "cogs"),
    "revaluation": ("inventory", "revaluation"),
}
# Layer events that are sales: their layers make COGS and revenue (explanations, margin bridge, reports).
SALE_EVENTS = ("delivery", "customer_return", "dropship")
# Layer events on the vendor's side: their value is what GRNI owes the vendor until the bill.
VENDOR_EVENTS = ("receipt", "vendor_return", "dropship_vendor")
# The explanation driver of each event, layer or posting (stock.value.explanation, qbo.posting.line);
# a landed cost's depends on whether it is an estimate (event_driver).
EVENT_DRIVERS = {
    "receipt": "received", "in_transit": "received", "delivery": "shipped", "customer_return": "customer_return",
    "vendor_return": "vendor_return", "scrap": "scrap", "adjustment": "adjustment", "dropship": "dropship",
    "dropship_vendor": "dropship", "revaluation": "revaluation", "hold_release": "quality_hold",
}
# In a daily summary the event is gone: the account role (and the side) tells the driver.
ROLE_DRIVERS = {
    "shrinkage": "scrap", "inventory_adjustment": "adjustment", "revaluation": "revaluation",
    "inventory_quality_hold": "quality_hold", "landed_cost_variance": "landed_true_up",
}


def event_driver(event, is_estimate=False):
    """The explanation driver of an accounting event; a landed cost's is its estimate or its true-up."""
    if event == "landed_cost":
        return "landed_estimate" if is_estimate else "landed_true_up"
    return EVENT_DRIVERS.get(event, "other")

# States whose goods are booked on the Inventory – Quality Hold sub-account.
HOLD_STATES = ("quality_hold", "returned", "inspected")

# How a landed cost estimate computes its amount. The rate methods scale with what is
# ordered; the fixed methods spread one amount over the goods in scope.
LANDED_COST_METHODS = [
    ("percent_value", "Percent of Factory Value"),
    ("per_unit", "Amount per Unit"),
    ("per_weight", "Amount per Weight"),
    ("per_volume", "Amount per Volume"),
    ("fixed_quantity", "Fixed Amount, Split by Quantity"),
    ("fixed_value", "Fixed Amount, Split by Value"),
    ("fixed_weight", "Fixed Amount, Split by Weight"),
    ("fixed_volume", "Fixed Amount, Split by Volume"),
]
# Odoo's landed cost split method matching each estimate method (shown on the landed cost).
LANDED_COST_SPLIT_METHODS = {
    "percent_value": "by_current_cost_price",
    "per_unit": "by_quantity",
    "per_weight": "by_weight",
    "per_volume": "by_volume",
    "fixed_quantity": "by_quantity",
    "fixed_value": "by_current_cost_price",
    "fixed_weight": "by_weight",
    "fixed_volume": "by_volume",
}

# QuickBooks connection (qbo.connection): where it points and how it stands.
ENVIRONMENTS = [
    ("sandbox", "Sandbox"),
    ("production", "Production"),
    ("custom", "Custom Address"),
]
CONNECTION_STATES = [
    ("not_connected", "Not Connected"),
    ("connected", "Connected"),
    ("needs_reconnect", "Reconnect Needed"),
    ("error", "Error"),
]

# QuickBooks dimensions cached per connection: sales channel -> class, warehouse -> department.
DIMENSION_KINDS = [
    ("class", "Class"),
    ("department", "Department (Location)"),
]

# Reconciliation runs and their findings.
RUN_STATES = [("draft", "Draft"), ("done", "Done"), ("error", "Error")]
FINDING_KINDS = [
    ("not_posted", "Not Yet Posted"),
    ("failed", "Failed (will retry)"),
    ("blocked", "Blocked"),
    ("edited", "Edited in QuickBooks"),
    ("deleted", "Deleted in QuickBooks"),
    ("hand_typed", "Typed by Hand in QuickBooks"),
    ("skipped_present", "Skipped in Odoo, Present in QuickBooks"),
    ("skipped", "Skipped in Odoo"),
    ("valuation", "Valuation vs Postings"),
    ("rounding", "Rounding"),
    ("matched", "Matched"),
]
FINDING_STATES = [
    ("open", "Open"),
    ("accepted", "Accepted"),
    ("resolved", "Resolved"),
]

# How a company's events reach QuickBooks: one entry each, or one summary a day per
# warehouse and sales channel whose lines keep the drill-down.
POSTING_MODES = [
    ("per_event", "One entry per event"),
    ("daily_summary", "Daily summary"),
]

# Human decisions kept in the decision log (stock.decision.log), one row each.
DECISION_KINDS = [
    ("estimate_override", "Estimate Override"),
    ("posting_skip", "Posting Skipped"),
    ("posting_redate", "Re-date Approved"),
    ("reconciliation_accept", "Reconciliation Finding Accepted"),
    ("rule_change", "Landed Cost Rule Changed"),
    ("drift_rule_update", "Rule Updated from a Drift Alert"),
    ("bill_match_confirm", "QuickBooks Bill Match Confirmed"),
    ("bill_match_reject", "QuickBooks Bill Rejected"),
]

# How the actual landed costs of a driver (cost type, vendor, lane, category) read against its rule
# over the last receipts (landed.cost.driver).
DRIFT_CLASSES = [
    ("none", "Within Threshold"),
    ("temporary", "Temporary"),
    ("structural", "Structural"),
]
# Alerts raised by the drift check (landed.cost.drift.alert) and what became of them.
DRIFT_ALERT_KINDS = [
    ("cost_drift", "Landed Cost Drift"),
    ("margin_floor", "Margin Under Floor"),
]
DRIFT_ALERT_STATES = [
    ("open", "Open"),
    ("rule_updated", "Rule Updated"),
    ("dismissed", "Dismissed"),
]

# Explanations ("Why?"): the figure explained, where, and the drivers its change is split into.
EXPLANATION_MEASURES = [
    ("inventory_value", "Inventory Value"),
    ("cogs", "Cost of Goods Sold"),
    ("landed_unit_cost", "Landed Unit Cost"),
    ("margin", "Gross Margin"),
]
EXPLANATION_SCOPES = [
    ("company", "Company"),
    ("warehouse", "Warehouse"),
    ("channel", "Sales Channel"),
    ("style", "Style"),
    ("product", "Product Variant"),
]
EXPLANATION_DRIVERS = [
    ("received", "Quantity received"),
    ("purchase_price", "Purchase price change"),
    ("landed_estimate", "Landed cost estimate"),
    ("landed_true_up", "Landed cost true-up / actual"),
    ("shipped", "Quantity shipped"),
    ("unit_cost", "Unit cost of goods shipped"),
    ("sell_price", "Sell price change"),
    ("channel_mix", "Channel and variant mix"),
    ("customer_return", "Customer returns"),
    ("vendor_return", "Returns to vendor"),
    ("scrap", "Scrap"),
    ("adjustment", "Count adjustments"),
    ("revaluation", "Revaluation"),
    ("dropship", "Dropship"),
    ("quality_hold", "Quality hold change"),
    ("other", "Other"),
    ("rounding", "Rounding (cents)"),
]

# How a channel allocation (stock.channel.allocation) sets aside stock for its sales channel.
ALLOCATION_KINDS = [
    ("quantity", "Quantity"),
    ("percent", "Percent of Free Stock"),
]

# Columns of the warehouse's Stock States Board (stock.move grouped by inventory state), in chain order.
BOARD_STATES = ("in_transit", "received", "quality_hold", "available", "reserved", "picked", "packed",
                "returned", "scrapped")

# How a QuickBooks change reached the inbox (qbo.inbox.event), and what became of it.
INBOX_CHANNELS = [
    ("webhook", "Webhook"),
    ("cdc", "Change Data Capture"),
]
INBOX_STATES = [
    ("new", "New"),
    ("done", "Done"),
    ("ignored", "Ignored"),
    ("error", "Error"),
]

# Vendor documents entered in QuickBooks (qbo.vendor.bill) and what became of them here.
VENDOR_BILL_KINDS = [
    ("bill", "Bill"),
    ("vendor_credit", "Vendor Credit"),
]
VENDOR_BILL_STATES = [
    ("to_review", "To Review"),
    ("applied", "Applied"),
    ("rejected", "Rejected"),
    ("changed", "Changed in QuickBooks"),
]
