"""Command line: run the emulator until interrupted.

    python -m qbo_engine.emulator --port 8765 --db qbo.sqlite [--host 127.0.0.1] [--time-scale 60]
        [--fault 500=0.1 ...] [--fault-script ok,ok,500,drop] [--seed 7] [--slow-seconds 35]
        [--rate-limit per_minute=500 ...] [--refresh-grace 180] [--seed-demo] [--verbose]
"""
import argparse
import logging
import signal
import sys
from urllib.parse import urlencode

from .demo import DEMO_COMPANY_NAME
from .faults import FAULT_KINDS, ITEM_FAULT_KINDS
from .limits import RateLimitSettings
from .oauth import DEFAULT_GRACE_SECONDS
from .server import EmulatorServer

DEMO_SETTING = 'demo_company'


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m qbo_engine.emulator',
                                     description='Local QuickBooks Online sandbox emulator.')
    parser.add_argument('--port', type=int, default=8765, help='TCP port (0 picks a free one)')
    parser.add_argument('--db', required=True, help='SQLite file; state survives restarts')
    parser.add_argument('--host', default='127.0.0.1', help='loopback address to bind (default 127.0.0.1)')
    parser.add_argument('--time-scale', type=float, default=1.0,
                        help='shrink throttle windows: 60 makes a "minute" last one second')
    parser.add_argument('--fault', action='append', default=[], metavar='KIND=PROB',
                        help=f'inject a fault kind with a probability; kinds per API call: {", ".join(FAULT_KINDS)}; '
                             f'per batch item: {", ".join(ITEM_FAULT_KINDS)}')
    parser.add_argument('--fault-script', metavar='LIST', help='faults for the next API calls, e.g. ok,ok,500,drop')
    parser.add_argument('--seed', type=int, help='seed of the fault RNG')
    parser.add_argument('--slow-seconds', type=float, help='delay of the "slow" fault (default 35)')
    parser.add_argument('--rate-limit', action='append', default=[], metavar='NAME=N',
                        help='per_minute, per_second, concurrent, batch_per_minute')
    parser.add_argument('--refresh-grace', type=float, default=DEFAULT_GRACE_SECONDS,
                        help='seconds an already-rotated refresh token still answers')
    parser.add_argument('--seed-demo', action='store_true',
                        help='create (once) and print a demo company with chart of accounts and an OAuth app')
    parser.add_argument('--verbose', action='store_true', help='log every request')
    return parser


def _rate_limits(entries) -> RateLimitSettings:
    changes = dict(entry.split('=', 1) for entry in entries)
    return RateLimitSettings().updated(**changes)


def _demo(server: EmulatorServer) -> dict:
    """The demo company of this database, created on first use."""
    demo = server.store.get_setting(DEMO_SETTING)
    if demo is None:
        demo = server.seed_demo_company(name=DEMO_COMPANY_NAME)
        server.store.put_setting(DEMO_SETTING, demo)
    return demo


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the server like Ctrl-C


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        server = EmulatorServer(args.db, host=args.host, port=args.port, time_scale=args.time_scale,
                                seed=args.seed, refresh_grace_seconds=args.refresh_grace,
                                rate_limits=_rate_limits(args.rate_limit), fault_script=args.fault_script,
                                fault_probabilities=args.fault, slow_seconds=args.slow_seconds)
    except ValueError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    server.bind()
    print(f'QBO emulator listening on {server.base_url}', flush=True)
    print(f'discovery document: {server.discovery_url}', flush=True)
    print(f'API base (python-quickbooks api_url_v3): {server.base_url}/v3', flush=True)
    if args.seed_demo:
        demo = _demo(server)
        for key in ('realm_id', 'client_id', 'client_secret', 'redirect_uri'):
            print(f'{key}={demo[key]}', flush=True)
        consent = urlencode({'client_id': demo['client_id'], 'response_type': 'code', 'state': 'demo',
                             'scope': 'com.intuit.quickbooks.accounting', 'redirect_uri': demo['redirect_uri']})
        print(f'connect: {server.base_url}/connect/oauth2?{consent}', flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
