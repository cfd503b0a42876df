"""The apparel demo: catalog, company setup and a quarter of activity (used by models/demo_loader.py)."""
