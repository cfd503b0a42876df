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
