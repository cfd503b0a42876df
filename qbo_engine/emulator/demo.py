"""The demo company: the chart of accounts, classes, departments and items this project maps to.

Used by ``--seed-demo`` and by the test fixtures, so both see the same company.
Account names follow the design's accounting scheme (en dash in "Inventory – Quality Hold").
"""

DEMO_COMPANY_NAME = 'Stock Sync Demo Co'
DEMO_REDIRECT_URI = 'http://localhost:8069/qbo/oauth/callback'
DEMO_APP_NAME = 'stock_quickbooks_sync (emulator)'

DEMO_ACCOUNTS = (
    ('Inventory Asset', 'Other Current Asset', 'Inventory'),
    ('Inventory in Transit', 'Other Current Asset', 'Inventory'),
    ('Inventory – Quality Hold', 'Other Current Asset', 'Inventory'),
    ('Inventory Received Not Billed', 'Other Current Liability', 'OtherCurrentLiabilities'),
    ('Accrued Landed Cost – Freight', 'Other Current Liability', 'OtherCurrentLiabilities'),
    ('Accrued Landed Cost – Duty', 'Other Current Liability', 'OtherCurrentLiabilities'),
    ('Accrued Landed Cost – Broker', 'Other Current Liability', 'OtherCurrentLiabilities'),
    ('Accrued Landed Cost – Insurance', 'Other Current Liability', 'OtherCurrentLiabilities'),
    ('Accrued Landed Cost – Other', 'Other Current Liability', 'OtherCurrentLiabilities'),
    ('Cost of Goods Sold', 'Cost of Goods Sold', 'SuppliesMaterialsCogs'),
    ('Landed Cost Variance', 'Cost of Goods Sold', 'OtherCostsOfServiceCos'),
    ('Shrinkage', 'Cost of Goods Sold', 'OtherCostsOfServiceCos'),
    ('Inventory Adjustment', 'Cost of Goods Sold', 'OtherCostsOfServiceCos'),
    ('Inventory Revaluation', 'Other Expense', 'OtherMiscellaneousExpense'),
    ('Retained Earnings', 'Equity', 'RetainedEarnings'),
    ('Sales of Product Income', 'Income', 'SalesOfProductIncome'),
)
# The demo account that stands for each account role of the project's mapping, and for each
# landed cost type's accrual (used by the test fixtures and ./demo to map a connection in one go).
DEMO_ROLE_ACCOUNTS = {
    'inventory': 'Inventory Asset',
    'inventory_in_transit': 'Inventory in Transit',
    'inventory_quality_hold': 'Inventory – Quality Hold',
    'grni': 'Inventory Received Not Billed',
    'cogs': 'Cost of Goods Sold',
    'landed_cost_variance': 'Landed Cost Variance',
    'shrinkage': 'Shrinkage',
    'inventory_adjustment': 'Inventory Adjustment',
    'revaluation': 'Inventory Revaluation',
}
DEMO_COST_TYPE_ACCOUNTS = {
    'freight': 'Accrued Landed Cost – Freight',
    'duty': 'Accrued Landed Cost – Duty',
    'broker': 'Accrued Landed Cost – Broker',
    'insurance': 'Accrued Landed Cost – Insurance',
    'other': 'Accrued Landed Cost – Other',
}


def demo_mapping():
    """(role, landed cost type or None, demo account name) for every line of a complete mapping."""
    return ([(role, None, name) for role, name in DEMO_ROLE_ACCOUNTS.items()]
            + [('accrued_landed_cost', cost_type, name) for cost_type, name in DEMO_COST_TYPE_ACCOUNTS.items()])


DEMO_CLASSES = ('Wholesale', 'E-commerce', 'Retail')
DEMO_DEPARTMENTS = ('Main Warehouse', 'East Warehouse')
DEMO_ITEMS = (
    ('Synced Product', 'NonInventory'),
    ('Handling Fee', 'Service'),
    ('Legacy Stock Item', 'Inventory'),
)


def seed_demo(server, realm_id: str) -> dict:
    """Seed the demo lists into ``realm_id``; return {kind: {name: id}}."""
    accounts = server.seed_accounts(realm_id, [
        {'Name': name, 'AccountType': account_type, 'AccountSubType': sub_type}
        for name, account_type, sub_type in DEMO_ACCOUNTS])
    classes = server.seed_classes(realm_id, [{'Name': name} for name in DEMO_CLASSES])
    departments = server.seed_departments(realm_id, [{'Name': name} for name in DEMO_DEPARTMENTS])
    items = server.seed_items(realm_id, [{'Name': name, 'Type': item_type} for name, item_type in DEMO_ITEMS])
    return {
        'accounts': {row['Name']: row['Id'] for row in accounts},
        'classes': {row['Name']: row['Id'] for row in classes},
        'departments': {row['Name']: row['Id'] for row in departments},
        'items': {row['Name']: row['Id'] for row in items},
    }
