"""State survives a restart on the same SQLite file; the command line serves a demo company."""
import subprocess
import sys
from pathlib import Path

import requests

from conftest import company_from_demo

TIMEOUT = 10
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_restart_keeps_companies_tokens_entries_and_replays(make_emulator, make_entry, tmp_path):
    db_path = tmp_path / 'persistent.sqlite'
    first_server = make_emulator(db_path)
    demo = first_server.seed_demo_company()
    company = company_from_demo(first_server, demo)
    tokens = company.tokens()
    headers = company.headers(tokens)
    first_server.set_book_close_date(company.realm_id, '2023-12-31')
    created = requests.post(company.api_base + '/journalentry', json=make_entry(doc_number='KEEP-1'),
                            params={'requestid': 'keep-req'}, headers=headers, timeout=TIMEOUT)
    assert created.status_code == 200
    first_server.stop()

    second_server = make_emulator(db_path)
    restarted = company_from_demo(second_server, demo)
    found = requests.get(restarted.api_base + '/query', headers=headers, timeout=TIMEOUT,
                         params={'query': "select * from JournalEntry where DocNumber = 'KEEP-1'"})
    assert found.status_code == 200
    assert found.json()['QueryResponse']['JournalEntry'][0]['Id'] == created.json()['JournalEntry']['Id']
    replay = requests.post(restarted.api_base + '/journalentry', json=make_entry(doc_number='KEEP-1'),
                           params={'requestid': 'keep-req'}, headers=headers, timeout=TIMEOUT)
    assert replay.content == created.content
    prefs = requests.get(restarted.api_base + '/preferences', headers=headers, timeout=TIMEOUT).json()
    assert prefs['Preferences']['AccountingInfoPrefs']['BookCloseDate'] == '2023-12-31'
    refreshed = restarted.token_request({'grant_type': 'refresh_token', 'refresh_token': tokens['refresh_token']})
    assert refreshed.status_code == 200


def test_command_line_prints_base_url_and_demo_credentials(tmp_path):
    process = subprocess.Popen(
        [sys.executable, '-m', 'qbo_engine.emulator', '--port', '0', '--db', str(tmp_path / 'cli.sqlite'),
         '--seed-demo', '--time-scale', '60', '--fault', '500=0', '--seed', '3'],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = {}
        for line in process.stdout:
            if line.startswith('QBO emulator listening on '):
                printed['base_url'] = line.split(' on ', 1)[1].strip()
            elif '=' in line and not line.startswith('connect'):
                key, value = line.strip().split('=', 1)
                printed[key] = value
            if 'redirect_uri' in printed:
                break
        assert {'base_url', 'realm_id', 'client_id', 'client_secret'} <= set(printed)
        base = printed['base_url']
        discovery = requests.get(base + '/.well-known/openid_configuration', timeout=TIMEOUT).json()
        assert discovery['token_endpoint'] == base + '/oauth2/v1/tokens/bearer'
        state = requests.get(base + '/_emulator/state', timeout=TIMEOUT).json()
        assert state['rate_limits']['time_scale'] == 60
        assert [c['realm_id'] for c in state['companies']] == [printed['realm_id']]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_refuses_to_bind_outside_loopback(tmp_path):
    result = subprocess.run([sys.executable, '-m', 'qbo_engine.emulator', '--port', '0', '--host', '0.0.0.0',
                             '--db', str(tmp_path / 'x.sqlite')], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2 and 'loopback' in result.stderr
