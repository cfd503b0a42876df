{
    "name": "Stock QuickBooks Sync",
    "summary": "Explicit inventory states, landed costs and exactly-once journal entries to QuickBooks Online",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "stock_quickbooks_sync authors",
    "website": "https://github.com/stock-quickbooks-sync/stock_quickbooks_sync",
    "depends": ["stock_landed_costs", "purchase_stock", "sale_stock"],
    "external_dependencies": {
        "python": ["python-quickbooks", "intuit-oauth", "pydantic", "requests"],
    },
    "data": [
    ],
    "installable": True,
    "application": False,
}
