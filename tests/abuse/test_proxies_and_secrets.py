"""TLS behind a trusted proxy, the site's own origin, what mail is sent to, and secrets
left lying around: file modes, sent mail, old rows, a password printed at start-up."""

import asyncio
import os
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from authserver.errors import ServiceError
from authserver.mail.compose import Letter
from authserver.mail.senders import SmtpSender
from authserver.store.database import Store
from contracts import Status
from tests.support.api import call, verified_account
from tests.support.databases import rows
from tests.support.server import run_authserver

PASSWORD = "a good long password"
HTTPS = {"X-Forwarded-Proto": "https"}


async def _login(http, server, account, headers=None):
    reply = await call(http, server, "login",
                       {"username": account.username, "password": PASSWORD}, headers=headers)
    assert reply.status == 200, reply.body
    return reply


def _session_cookie(reply) -> str:
    return next(value for value in reply.headers.getall("Set-Cookie")
                  if value.startswith("authserver_session="))


async def test_https_from_a_trusted_proxy_makes_cookies_secure_and_sends_hsts(
        http, start_server, unique):
    server = start_server(TRUSTED_PROXIES="127.0.0.1")
    account = await verified_account(http, server, unique, login=False)
    reply = await _login(http, server, account, HTTPS)
    assert "Secure" in _session_cookie(reply)
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")
    # The web UI's logout, from https://<host> as the browser sees it, is its own origin.
    token = _session_cookie(reply).split(";")[0]
    host = server.url.split("://", 1)[1]
    logout = await call(http, server, "logout",
                        headers={**HTTPS, "Cookie": token, "Origin": f"https://{host}"})
    assert logout.status == 200, logout.body


async def test_x_forwarded_proto_from_anyone_else_is_ignored(http, server, unique):
    account = await verified_account(http, server, unique, login=False)
    reply = await _login(http, server, account, HTTPS)
    assert "Secure" not in _session_cookie(reply)
    assert "Strict-Transport-Security" not in reply.headers
    token = _session_cookie(reply).split(";")[0]
    host = server.url.split("://", 1)[1]
    logout = await call(http, server, "logout",
                        headers={**HTTPS, "Cookie": token, "Origin": f"https://{host}"})
    assert logout.status == 403


async def test_public_url_names_the_sites_own_origin(http, start_server, unique):
    server = start_server(PUBLIC_URL="https://auth.example.com")
    account = await verified_account(http, server, unique, login=False)
    token = _session_cookie(await _login(http, server, account)).split(";")[0]
    elsewhere = await call(http, server, "logout",
                           headers={"Cookie": token, "Origin": server.url})
    assert elsewhere.status == 403
    own = await call(http, server, "logout",
                     headers={"Cookie": token, "Origin": "https://auth.example.com"})
    assert own.status == 200, own.body
    cross = await call(http, server, "login",
                       {"username": account.username, "password": PASSWORD},
                       headers={"Origin": server.url})
    assert cross.status == 403


def test_mail_goes_to_the_stored_address_or_nowhere(mailbox):
    sender = SmtpSender(host="127.0.0.1", port=mailbox.port, security="none", username=None,
                        password=None, sender="authserver@example.com", timeout=10)
    run = os.urandom(4).hex()
    aliased = f"=?utf-8?q?alice{run}?=@example.com"
    with pytest.raises(ValueError, match="reads as another"):
        sender.send(Letter(recipient=aliased, subject="code", body="123456"))
    sender.send(Letter(recipient=f"bob{run}@example.com", subject="code", body="123456"))
    deadline = time.monotonic() + 10
    while not mailbox.messages_for(f"bob{run}@example.com") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mailbox.messages_for(f"bob{run}@example.com")
    assert not mailbox.messages_for(f"alice{run}@example.com")


async def test_database_files_are_the_owners_alone(http, start_server, unique):
    server = start_server()
    await verified_account(http, server, unique)  # writes, so -wal and -shm exist
    database = Path(server.database_url.removeprefix("sqlite:///"))
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
    assert set(modes.values()) == {0o600}, modes


async def test_sent_mail_keeps_no_code(http, server, unique):
    username, email = unique()
    await call(http, server, "signup", {"username": username, "email": email,
                                        "password": PASSWORD})
    await server.acode_for(email)
    query = "SELECT status, subject, body FROM outbox_mail WHERE recipient = ?"
    deadline = time.monotonic() + 10
    while (found := await rows(server.database_url, query, email)) != [("sent", "", "")]:
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, servers) -> tuple[str, str]:
    """A backend and a new, empty database of it (made outside the test's event loop)."""
    return request.param, servers.database_url(request.param)


async def test_old_audit_rows_sent_mail_and_expired_sessions_are_pruned(
        http, start_server, unique, fresh_database):
    backend, url = fresh_database
    first = start_server(backend, database_url=url)
    account = await verified_account(http, first, unique)
    first.stop()
    now = datetime.now(UTC).replace(tzinfo=None)
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    for when, detail in ((old, "old"), (recent, "recent")):
        await rows(url, "INSERT INTO audit_event (created_at, event, ip, user_agent, detail) "
                        "VALUES (?, 'login_failure', '192.0.2.1', '', ?)", when, detail)
        await rows(url, "INSERT INTO outbox_mail (recipient, subject, body, status, attempts, "
                        "next_attempt_at, created_at, sent_at) "
                        "VALUES (?, '', '', 'sent', 1, ?, ?, ?)", detail, when, when, when)
    for expires, digest in ((now - timedelta(minutes=1), "e" * 64), (now + timedelta(hours=1),
                                                                       "f" * 64)):
        await rows(url, "INSERT INTO session (user_id, token_hash, created_at, expires_at) "
                        "VALUES (?, ?, ?, ?)", account.user_id, digest, now, expires)
    start_server(backend, database_url=url, RETENTION_DAYS="30")
    deadline = time.monotonic() + 15
    # Sessions go last in a pass: once the expired one is gone, the pass is over.
    while (hashes := await rows(url, "SELECT token_hash FROM session WHERE token_hash IN "
                                     "(?, ?)", "e" * 64, "f" * 64)) != [("f" * 64,)]:
        assert time.monotonic() < deadline, hashes
        await asyncio.sleep(0.05)
    assert await rows(url, "SELECT detail FROM audit_event WHERE detail IN ('old', 'recent')"
                      ) == [("recent",)]
    assert await rows(url, "SELECT recipient FROM outbox_mail WHERE status = 'sent' "
                           "AND recipient IN ('old', 'recent')") == [("recent",)]


def test_a_password_in_the_query_string_is_not_printed():
    refused = run_authserver(
        {"DATABASE_URL": "postgresql://bob@127.0.0.1:1/nowhere?password=hunter2&sslmode=disable",
         "SECRET_KEY": "s" * 32}, "users", "list")
    assert refused.returncode == 1
    assert "hunter2" not in refused.stderr and "Traceback" not in refused.stderr
    assert "password=***" in refused.stderr


@pytest.fixture
def postgres_url(servers) -> str:
    return servers.database_url("postgresql")


async def test_a_value_the_database_cannot_store_is_a_refusal_not_a_crash(postgres_url):
    store = Store(postgres_url)
    try:
        with pytest.raises(ServiceError) as refused:
            await store.run(store.database.execute_sql, "SELECT %s::text", ("nul\x00",))
        assert refused.value.status is Status.INVALID_ARGUMENT
    finally:
        await store.close()
