"""The emulator's HTTP server: routing, bearer checks, throttles, injected faults, requestid replay.

Standard library only (ThreadingHTTPServer). Binds to loopback. The accounting
API itself is in api.py, OAuth in oauth.py, the admin surface in admin.py.
"""
import json
import logging
import re
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import qbo_faults
from .admin import FORBIDDEN_REALMS, EmulatorAdmin
from .api import AccountingApi
from .clock import EmulatorClock, qbo_response_time
from .context import CompanyContext
from .counters import Counters
from .faults import FaultPlan
from .limits import RateLimits, RateLimitSettings
from .notifier import WebhookNotifier
from .oauth import (AUTHORIZE_PATH, DEFAULT_GRACE_SECONDS, DISCOVERY_PATHS, JWKS_PATH, REVOKE_PATH, TOKEN_PATH,
                    USERINFO_PATH, BearerRefused, OAuthService, WebAnswer, discovery_document)
from .store import Replay, Store

_logger = logging.getLogger(__name__)

JSON_TYPE = 'application/json;charset=UTF-8'
MINIMUM_MINOR_VERSION = 75
REQUEST_ID_LIMIT = 50        # Intuit's "Request ID update" note: ordinary calls
BATCH_REQUEST_ID_LIMIT = 36  # ... and batch calls
API_PATH = re.compile(r'/v3/company/([^/]+)/(.+)')


def _loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def served_minor_version(value) -> int:
    """Any minorversion below 75 (or none, or garbage) is served as 75."""
    try:
        return max(MINIMUM_MINOR_VERSION, int(value))
    except (TypeError, ValueError):
        return MINIMUM_MINOR_VERSION


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        # Clients that time out or drop their socket are part of the game, not server errors.
        _logger.debug('connection from %s ended abruptly', client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'QBOEmulator/1.0'
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms for each answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        _logger.debug('%s %s', self.address_string(), format % args)

    def do_GET(self):
        self.server.emulator.dispatch(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET


class EmulatorServer(EmulatorAdmin):
    """A local QuickBooks Online sandbox: ``start()`` in a thread, ``base_url``, ``stop()``.

    Admin helpers inherited from EmulatorAdmin (create_company, create_app, seed_*,
    set_book_close_date, set_warn_duplicate_journal_number, set_faults, counters, ...)
    mirror the HTTP admin endpoints under ``/_emulator/``.
    """

    def __init__(self, db_path, host='127.0.0.1', port=0, time_scale=1.0, seed=None, *,
                 refresh_grace_seconds=DEFAULT_GRACE_SECONDS, rate_limits: RateLimitSettings = None,
                 fault_script=None, fault_probabilities=None, slow_seconds=None):
        if not _loopback(host):
            raise ValueError(f'the emulator binds to loopback only, not {host!r}')
        self.db_path = Path(db_path)
        self.host = host
        self.port = int(port)
        self.clock = EmulatorClock()
        self.stats = Counters()
        self.store = Store(self.db_path)
        self.limits = RateLimits(rate_limits or RateLimitSettings(), time_scale=time_scale)
        self.faults = FaultPlan(seed=seed)
        self.faults.configure(script=fault_script, probabilities=fault_probabilities, slow_seconds=slow_seconds)
        self.oauth = OAuthService(self.store, self.clock, self.stats, refresh_grace_seconds)
        self.webhooks = WebhookNotifier(self.store, self.clock, seed=seed)
        self._httpd = None
        self._thread = None

    # === lifecycle === #

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError('the emulator is not started')
        host = f'[{self.host}]' if ':' in self.host else self.host
        return f'http://{host}:{self._httpd.server_address[1]}'

    @property
    def discovery_url(self) -> str:
        return self.base_url + DISCOVERY_PATHS[0]

    def bind(self) -> 'EmulatorServer':
        if self._httpd is None:
            self._httpd = _HttpServer((self.host, self.port), self)
        return self

    def start(self) -> 'EmulatorServer':
        """Serve in a daemon thread; returns self once the socket listens."""
        self.bind()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.02},
                                        name='qbo-emulator', daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.bind()
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.webhooks.stop()
        self.store.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # === HTTP === #

    def dispatch(self, handler) -> None:
        url = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length > 0 else b''
        path = url.path
        method = handler.command
        try:
            if path.startswith('/v3/'):
                self._api(handler, method, path, params, body)
            elif path in DISCOVERY_PATHS:
                self._send(handler, 200, discovery_document(self.base_url), JSON_TYPE)
            elif path == AUTHORIZE_PATH:
                if method == 'POST':
                    params.update({k: v[-1] for k, v in parse_qs(body.decode('utf-8', 'replace')).items()})
                self._send_web(handler, self.oauth.authorize(params))
            elif path == TOKEN_PATH and method == 'POST':
                self._send_web(handler, self.oauth.token(handler.headers.get('Authorization', ''), body))
            elif path == REVOKE_PATH and method == 'POST':
                self._send_web(handler, self.oauth.revoke(handler.headers.get('Authorization', ''), body))
            elif path == USERINFO_PATH:
                self._send(handler, 200, {'sub': 'emulator-user', 'email': 'user@example.com',
                                          'emailVerified': True}, JSON_TYPE)
            elif path == JWKS_PATH:
                self._send(handler, 200, {'keys': []}, JSON_TYPE)
            elif path.startswith('/_emulator/') or path == '/_emulator':
                status, payload = self.handle_admin_http(method, path, body)
                self._send(handler, status, payload, JSON_TYPE)
            elif path == '/':
                self._send(handler, 200, self.state(), JSON_TYPE)
            else:
                self._send(handler, 404, {'error': 'not_found', 'path': path}, JSON_TYPE)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        except Exception:  # the emulator answers like QBO's back end would, and logs the bug
            _logger.exception('emulator error on %s %s', method, handler.path)
            self._send(handler, 500, qbo_faults.system_fault_body(qbo_response_time(self.clock.time())),
                       JSON_TYPE)

    def _api(self, handler, method, path, params, body) -> None:
        match = API_PATH.fullmatch(path)
        now_text = qbo_response_time(self.clock.time())
        if not match:
            self._send(handler, 400, qbo_faults.unsupported_operation(path).body(now_text), JSON_TYPE)
            return
        realm_id, rest = match.groups()
        parts = [part for part in rest.split('/') if part]
        self.stats.add('requests')

        fault = self.faults.next_fault()
        if fault in ('401', '429', '500', '503'):
            self.stats.fault_injected(fault)
            self._send_injected(handler, fault)
            return
        if realm_id in self.store.get_setting(FORBIDDEN_REALMS, []):
            self._send(handler, 403, qbo_faults.auth_fault_body(
                403, f'The app is not authorized for company {realm_id}', int(self.clock.time() * 1000)), JSON_TYPE)
            return
        try:
            self.oauth.authenticate(handler.headers.get('Authorization', ''), realm_id)
        except BearerRefused as refused:
            self._send(handler, refused.status,
                       qbo_faults.auth_fault_body(refused.status, refused.detail, int(self.clock.time() * 1000)),
                       JSON_TYPE)
            return
        company = self.store.get_company(realm_id)
        if company is None:
            self._send(handler, 403, qbo_faults.auth_fault_body(403, f'No company {realm_id}',
                                                                int(self.clock.time() * 1000)), JSON_TYPE)
            return
        if not self.limits.try_acquire(realm_id, batch=parts[0].lower() == 'batch'):
            self.stats.add('throttled')
            self._send(handler, 429, qbo_faults.throttle_xml(now_text), 'application/xml')
            return
        try:
            if fault == 'slow':
                self.stats.fault_injected('slow')
                time.sleep(self.faults.slow_seconds)
                self._send(handler, 504, qbo_faults.gateway_html(504, 'Gateway Time-out'), 'text/html')
                return
            status, content_type, data = self._run_api(company, method, parts, params, body, path)
            if fault == 'drop':
                self.stats.fault_injected('drop')
                self._drop(handler)
                return
            if fault in ('malformed', 'shape'):
                self.stats.fault_injected(fault)
                # Committed above; what comes back is an answer the client cannot use.
                if fault == 'malformed':
                    self._send(handler, status, data[:len(data) // 2], content_type)
                else:
                    self._send(handler, 200, {'time': qbo_response_time(self.clock.time())}, JSON_TYPE)
                return
            self._send(handler, status, data, content_type,
                       {'X-Minor-Version-Served': str(served_minor_version(params.get('minorversion')))})
        finally:
            self.limits.release(realm_id)

    def _run_api(self, company, method, parts, params, body, path) -> tuple:
        """Run one API call in one transaction; replay a known requestid verbatim."""
        realm_id = company['realm_id']
        request_id = params.get('requestid')
        with self.store.transaction():
            if request_id:
                limit = BATCH_REQUEST_ID_LIMIT if parts[0].lower() == 'batch' else REQUEST_ID_LIMIT
                if len(request_id) > limit:
                    self.stats.add('validation_faults')
                    fault = qbo_faults.invalid_request_id(request_id, limit)
                    return fault.status, JSON_TYPE, self._json(fault.body(qbo_response_time(self.clock.time())))
                replay = self.store.get_replay(realm_id, request_id)
                if replay is not None:
                    self.stats.add('replays')
                    return replay.status, replay.content_type, replay.body
            api = AccountingApi(CompanyContext(self.store, self.clock, company), self.stats,
                                item_fault=self._item_fault)
            try:
                with self.store.savepoint('request'):
                    answer = api.handle(method, parts, params, body, path)
            except qbo_faults.QboFault as fault:
                self.stats.add('validation_faults')
                return fault.status, JSON_TYPE, self._json(fault.body(qbo_response_time(self.clock.time())))
            data = self._json(answer.payload)
            if request_id and answer.replayable and answer.status == 200:
                self.store.put_replay(realm_id, request_id, Replay(answer.status, JSON_TYPE, data), self.clock.time())
            return answer.status, JSON_TYPE, data

    def _item_fault(self) -> bool:
        if self.faults.next_item_fault() is None:
            return False
        self.stats.fault_injected('item')
        return True

    # === wire helpers === #

    @staticmethod
    def _json(payload) -> bytes:
        return json.dumps(payload, ensure_ascii=False).encode('utf-8')

    def _send_injected(self, handler, kind: str) -> None:
        now = self.clock.time()
        if kind == '401':
            self._send(handler, 401, qbo_faults.auth_fault_body(401, 'Token expired: injected fault', int(now * 1000)),
                       JSON_TYPE)
        elif kind == '429':
            self._send(handler, 429, qbo_faults.throttle_xml(qbo_response_time(now)), 'application/xml')
        elif kind == '500':
            self._send(handler, 500, qbo_faults.system_fault_body(qbo_response_time(now)), JSON_TYPE)
        else:
            self._send(handler, 503, qbo_faults.gateway_html(503, 'Service Temporarily Unavailable'), 'text/html')

    def _send_web(self, handler, answer: WebAnswer) -> None:
        content_type = JSON_TYPE if answer.content_type == 'application/json' else answer.content_type
        self._send(handler, answer.status, answer.body, content_type, answer.headers)

    def _send(self, handler, status, body, content_type, headers=None) -> None:
        if isinstance(body, (dict, list)):
            data = self._json(body)
        elif isinstance(body, str):
            data = body.encode('utf-8')
        else:
            data = body or b''
        self.stats.status(status)
        handler.send_response(status)
        handler.send_header('Content-Type', content_type)
        handler.send_header('Content-Length', str(len(data)))
        handler.send_header('intuit_tid', uuid.uuid4().hex)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != 'HEAD':
            handler.wfile.write(data)
        handler.wfile.flush()

    @staticmethod
    def _drop(handler) -> None:
        """Close the socket without a byte of answer (the work is already committed)."""
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
