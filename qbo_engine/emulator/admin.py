"""Admin switches of the emulator, callable from Python and over HTTP under ``/_emulator/``.

These do what a QBO user (or Intuit) would do outside the API: create companies
and apps, seed lists, close the books, turn on the duplicate-number warning,
deactivate an account, make a company refuse the app (403, code 3100) or revoke
an app (every refresh invalid_grant, every call 401), plus test controls (faults,
counters, clock, limits).
Editing or deleting a journal entry "by hand" is just the normal API call.
"""
import json
import re
import secrets
from datetime import date

from . import qbo_faults
from .api import AccountingApi
from .company import default_preferences
from .context import CompanyContext
from .demo import DEMO_APP_NAME, DEMO_COMPANY_NAME, DEMO_REDIRECT_URI, seed_demo
from .oauth import REVOKED_APPS_SETTING

FORBIDDEN_REALMS = 'forbidden_realms'  # store setting: realms answering 403 to everything
SEED_KINDS = {'accounts': 'Account', 'classes': 'Class', 'departments': 'Department', 'items': 'Item'}


class AdminError(ValueError):
    """A bad admin call (HTTP 400 with {"error": ...})."""


class AdminNotFound(LookupError):
    """No admin endpoint for this method and path (HTTP 404)."""


class EmulatorAdmin:
    """Mixed into EmulatorServer; uses its store, clock, stats, faults, limits and oauth."""

    # === companies and apps === #

    def create_company(self, name='Sandbox Company US', realm_id=None, **preferences) -> str:
        realm_id = str(realm_id or ''.join(secrets.choice('0123456789') for _ in range(16)))
        try:
            prefs = default_preferences(**preferences)
        except ValueError as exc:
            raise AdminError(str(exc))
        if self.store.get_company(realm_id) is not None:
            raise AdminError(f'company {realm_id} already exists')
        self.store.add_company(realm_id, name, prefs, self.clock.time())
        return realm_id

    def create_app(self, redirect_uri=DEMO_REDIRECT_URI, client_id=None, client_secret=None,
                   name='Emulator app') -> dict:
        app = {'client_id': client_id or 'AB' + secrets.token_hex(24),
               'client_secret': client_secret or secrets.token_hex(20),
               'redirect_uri': redirect_uri, 'name': name}
        self.store.add_app(**app)
        return app

    def _api_for(self, realm_id) -> AccountingApi:
        company = self.store.get_company(str(realm_id))
        if company is None:
            raise AdminError(f'no company {realm_id}')
        return AccountingApi(CompanyContext(self.store, self.clock, company), self.stats)

    def _seed(self, realm_id, kind, rows) -> list:
        api = self._api_for(realm_id)
        created = []
        with self.store.transaction():
            for row in rows:
                try:
                    created.append(api.create(kind, dict(row)))
                except qbo_faults.QboFault as fault:
                    raise AdminError(f'{kind} {row!r}: {fault.detail}')
        return created

    def seed_accounts(self, realm_id, rows) -> list:
        """rows: [{'Name', 'AccountType', 'AccountSubType'?, 'Active'?}] -> rendered accounts."""
        return self._seed(realm_id, 'Account', rows)

    def seed_classes(self, realm_id, rows) -> list:
        return self._seed(realm_id, 'Class', rows)

    def seed_departments(self, realm_id, rows) -> list:
        return self._seed(realm_id, 'Department', rows)

    def seed_items(self, realm_id, rows) -> list:
        """rows: [{'Name', 'Type': 'Inventory'|'NonInventory'|'Service'}]."""
        return self._seed(realm_id, 'Item', rows)

    def seed_demo_company(self, name=DEMO_COMPANY_NAME, redirect_uri=DEMO_REDIRECT_URI, realm_id=None,
                          client_id=None, client_secret=None) -> dict:
        """A company with the project's chart of accounts, classes, departments, items, and an app."""
        realm_id = self.create_company(name=name, realm_id=realm_id)
        app = self.create_app(redirect_uri=redirect_uri, client_id=client_id, client_secret=client_secret,
                              name=DEMO_APP_NAME)
        lists = seed_demo(self, realm_id)
        return dict(realm_id=realm_id, company_name=name, **app, **lists)

    def set_active(self, realm_id, kind, entity_id, active: bool) -> dict:
        api = self._api_for(realm_id)
        with self.store.transaction():
            stored = api.ctx.lookup(kind, entity_id)
            if stored is None or stored.deleted:
                raise AdminError(f'no {kind} {entity_id} in company {realm_id}')
            body = dict(stored.body, Active=bool(active))
            updated = self.store.update_entity(stored, body, self.clock.time(), name=body.get('Name'))
            return api.ctx.render(updated)

    def deactivate_account(self, realm_id, account_id) -> dict:
        return self.set_active(realm_id, 'Account', account_id, False)

    # === preferences === #

    def set_preferences(self, realm_id, **changes) -> dict:
        with self.store.transaction():
            company = self.store.get_company(str(realm_id))
            if company is None:
                raise AdminError(f'no company {realm_id}')
            prefs = company['preferences']
            unknown = set(changes) - set(prefs)
            if unknown:
                raise AdminError(f'unknown preference(s): {", ".join(sorted(unknown))}')
            prefs.update(changes)
            self.store.put_preferences(str(realm_id), prefs)
            return prefs

    def set_book_close_date(self, realm_id, close_date) -> dict:
        """Close the books through ``close_date`` (date or 'YYYY-MM-DD'); None reopens them."""
        if close_date is not None:
            try:
                close_date = (close_date if isinstance(close_date, date) else date.fromisoformat(str(close_date)))
            except ValueError:
                raise AdminError(f'not a date: {close_date!r}')
            close_date = close_date.isoformat()
        return self.set_preferences(realm_id, book_close_date=close_date)

    def set_warn_duplicate_journal_number(self, realm_id, enabled=True) -> dict:
        return self.set_preferences(realm_id, warn_duplicate_journal_number=bool(enabled))

    # === what Intuit does outside the API: a company refusing the app, an app disconnected === #

    def set_realm_forbidden(self, realm_id, forbidden=True) -> dict:
        """Make the company answer 403 (code 3100, ApplicationAuthorizationFailed) to every API call."""
        if self.store.get_company(str(realm_id)) is None:
            raise AdminError(f'no company {realm_id}')
        realms = set(self.store.get_setting(FORBIDDEN_REALMS, []))
        realms = realms | {str(realm_id)} if forbidden else realms - {str(realm_id)}
        self.store.put_setting(FORBIDDEN_REALMS, sorted(realms))
        return {'forbidden_realms': sorted(realms)}

    def revoke_app(self, client_id, revoked=True) -> dict:
        """Revoke an app everywhere: every refresh answers invalid_grant, every API call 401."""
        if self.store.get_app(client_id) is None:
            raise AdminError(f'no app {client_id}')
        apps = set(self.store.get_setting(REVOKED_APPS_SETTING, []))
        apps = apps | {client_id} if revoked else apps - {client_id}
        self.store.put_setting(REVOKED_APPS_SETTING, sorted(apps))
        return {'revoked_apps': sorted(apps)}

    # === test controls === #

    def set_faults(self, script=None, probabilities=None, seed=None, slow_seconds=None) -> dict:
        try:
            self.faults.configure(script=script, probabilities=probabilities, seed=seed, slow_seconds=slow_seconds)
        except ValueError as exc:
            raise AdminError(str(exc))
        return self.faults.describe()

    def clear_faults(self) -> dict:
        self.faults.clear()
        return self.faults.describe()

    def counters(self) -> dict:
        """requests, throttled, http_429, replays, entries_created/updated/deleted, faults_injected{kind}, ..."""
        return self.stats.snapshot()

    def reset_counters(self) -> dict:
        self.stats.reset()
        return self.counters()

    def advance_clock(self, seconds) -> float:
        return self.clock.advance(float(seconds))

    def set_rate_limits(self, time_scale=None, **limits) -> dict:
        try:
            settings = self.limits.settings.updated(**limits)
            self.limits.configure(settings=settings, time_scale=time_scale)
        except ValueError as exc:
            raise AdminError(str(exc))
        return dict(self.limits.settings.as_dict(), time_scale=self.limits.time_scale)

    def set_refresh_grace(self, seconds) -> float:
        self.oauth.grace_seconds = float(seconds)
        return self.oauth.grace_seconds

    def expire_tokens(self, realm_id, access=True, refresh=False) -> None:
        self.store.expire_tokens(str(realm_id), access=access, refresh=refresh, now=self.clock.time())

    def authorize(self, client_id, realm_id, redirect_uri=None) -> str:
        """An authorization code as if the user had clicked Connect."""
        app = self.store.get_app(client_id)
        if app is None:
            raise AdminError(f'no app {client_id}')
        return self.oauth.issue_code(client_id, str(realm_id), redirect_uri or app['redirect_uri'])

    def register_webhook(self, realm_id, url, verifier_token) -> None:
        """Send signed CloudEvents deliveries of ``realm_id``'s changes from now on to ``url``."""
        self.webhooks.register(realm_id, url, verifier_token)

    def set_webhook_faults(self, **faults) -> dict:
        """drop / duplicate (probabilities), delay_seconds, bad_signatures (count of next deliveries)."""
        try:
            return self.webhooks.set_faults(**faults)
        except ValueError as exc:
            raise AdminError(str(exc))

    def webhook_counts(self) -> dict:
        return self.webhooks.counts()

    def reset(self, data=False) -> dict:
        """Forget counters, faults, throttle windows and clock offset; ``data=True`` also wipes the store."""
        self.reset_counters()
        self.faults.clear()
        self.webhooks.clear_faults()
        self.limits.reset()
        self.clock.reset()
        if data:
            self.store.wipe()
        return self.state()

    def state(self) -> dict:
        return {
            'companies': self.store.list_companies(),
            'rate_limits': dict(self.limits.settings.as_dict(), time_scale=self.limits.time_scale),
            'faults': self.faults.describe(),
            'clock_offset_seconds': self.clock.offset,
            'refresh_grace_seconds': self.oauth.grace_seconds,
            'counters': self.counters(),
        }

    # === HTTP surface === #

    def handle_admin_http(self, method: str, path: str, raw_body: bytes) -> tuple:
        try:
            payload = json.loads(raw_body.decode('utf-8') or '{}') if raw_body else {}
        except ValueError:
            return 400, {'error': 'body must be JSON'}
        try:
            return 200, self._admin_route(method, path.rstrip('/'), payload)
        except AdminError as exc:
            return 400, {'error': str(exc)}
        except AdminNotFound as exc:
            return 404, {'error': str(exc)}
        except TypeError as exc:
            return 400, {'error': f'bad arguments: {exc}'}

    def _admin_route(self, method, path, body):
        args = body if isinstance(body, dict) else {}
        routes = [
            ('GET', r'/_emulator(/state)?', lambda: self.state()),
            ('POST', r'/_emulator/companies', lambda: {'realm_id': self.create_company(**args)}),
            ('POST', r'/_emulator/apps', lambda: self.create_app(**args)),
            ('POST', r'/_emulator/demo', lambda: self.seed_demo_company(**args)),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/(?P<kind>accounts|classes|departments|items)',
             lambda realm, kind: self._seed(realm, SEED_KINDS[kind], body if isinstance(body, list)
                                            else args.get('rows', []))),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/accounts/(?P<ident>[^/]+)/deactivate',
             lambda realm, ident: self.deactivate_account(realm, ident)),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/book-close-date',
             lambda realm: self.set_book_close_date(realm, args.get('date'))),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/duplicate-doc-number-warning',
             lambda realm: self.set_warn_duplicate_journal_number(realm, args.get('enabled', True))),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/preferences',
             lambda realm: self.set_preferences(realm, **args)),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/expire-tokens',
             lambda realm: self.expire_tokens(realm, args.get('access', True), args.get('refresh', False)) or {}),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/authorize',
             lambda realm: {'code': self.authorize(args.get('client_id'), realm, args.get('redirect_uri'))}),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/webhook',
             lambda realm: self.register_webhook(realm, args.get('url'), args.get('verifier_token')) or {}),
            ('POST', r'/_emulator/webhook-faults', lambda: self.set_webhook_faults(**args)),
            ('GET', r'/_emulator/webhook-counters', lambda: self.webhook_counts()),
            ('POST', r'/_emulator/companies/(?P<realm>[^/]+)/forbidden',
             lambda realm: self.set_realm_forbidden(realm, args.get('enabled', True))),
            ('POST', r'/_emulator/apps/(?P<ident>[^/]+)/revoke',
             lambda ident: self.revoke_app(ident, args.get('revoked', True))),
            ('POST', r'/_emulator/faults', lambda: self.set_faults(**args)),
            ('POST', r'/_emulator/faults/clear', lambda: self.clear_faults()),
            ('DELETE', r'/_emulator/faults', lambda: self.clear_faults()),
            ('GET', r'/_emulator/counters', lambda: self.counters()),
            ('POST', r'/_emulator/counters/reset', lambda: self.reset_counters()),
            ('POST', r'/_emulator/reset', lambda: self.reset(**args)),
            ('POST', r'/_emulator/clock',
             lambda: {'offset_seconds': self.advance_clock(args.get('advance_seconds', 0))}),
            ('POST', r'/_emulator/limits', lambda: self.set_rate_limits(**args)),
            ('POST', r'/_emulator/oauth', lambda: {'refresh_grace_seconds': self.set_refresh_grace(
                args.get('refresh_grace_seconds', self.oauth.grace_seconds))}),
        ]
        for verb, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return action(**{k: v for k, v in match.groupdict().items() if k in ('realm', 'kind', 'ident')})
        raise AdminNotFound(f'no admin endpoint {method} {path}')
