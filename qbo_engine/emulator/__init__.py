"""A local QuickBooks Online sandbox for tests and benchmarks (standard library only).

It speaks the parts of QBO's v3 accounting API and Intuit's OAuth 2.0 this
project uses, stores everything in SQLite (state survives a restart), enforces
QBO's validation, limits and throttles, and injects faults on demand.

    server = EmulatorServer('qbo.sqlite').start()
    demo = server.seed_demo_company()
    ...  # point the client at server.base_url
    server.stop()

Command line: ``python -m qbo_engine.emulator --port 8765 --db qbo.sqlite --seed-demo``.
"""
from .faults import FAULT_KINDS
from .limits import RateLimitSettings
from .qbo_faults import QboFault
from .server import EmulatorServer

__all__ = ['EmulatorServer', 'FAULT_KINDS', 'QboFault', 'RateLimitSettings']
