"""What an operator watches: /metrics, JSON logs with request ids, /api/ready."""

import asyncio
import json
import re
import signal
import uuid

import aiohttp

from tests.support.api import call, verified_account

TOKEN = "a-metrics-token-for-tests"


def samples(text: str, name: str) -> dict[str, float]:
    """Every sample of metric `name`: its label set (as written) -> value."""
    found = {}
    for match in re.finditer(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.MULTILINE):
        found[match.group(1) or ""] = float(match.group(2))
    return found


async def scrape(http, server, **headers) -> tuple[int, str]:
    async with http.get(server.url + "/metrics", headers=headers) as reply:
        return reply.status, await reply.text()


async def test_metrics_move_with_logins_sign_ups_requests_and_mail(start_server, unique):
    server = start_server()
    async with aiohttp.ClientSession() as http:
        status, before = await scrape(http, server)
        assert status == 200
        account = await verified_account(http, server, unique)
        wrong = await call(http, server, "login",
                           {"username": account.username, "password": "not the password"})
        assert wrong.status == 401
        status, after = await scrape(http, server)
    assert status == 200
    assert samples(before, "authserver_logins_total") == {}  # a fresh server
    logins = samples(after, "authserver_logins_total")
    assert logins['{outcome="success"}'] >= 1 and logins['{outcome="wrong_password"}'] >= 1
    assert samples(after, "authserver_signups_total")['{channel="rest"}'] >= 1
    requests = samples(after, "authserver_requests_total")
    assert requests['{call="login",status="401"}'] >= 1
    assert requests['{call="signup",status="201"}'] >= 1
    assert samples(after, "authserver_request_duration_seconds_count")['{call="login"}'] >= 2
    mail = samples(after, "authserver_mail_total")
    assert mail['{outcome="queued"}'] >= 1 and mail['{outcome="sent"}'] >= 1
    assert samples(after, "authserver_hash_wait_seconds_count")[""] >= 3
    for name in ("authserver_sockets_open", "authserver_hash_queue_length",
                 "authserver_outbox_waiting", "authserver_outbox_oldest_age_seconds",
                 "authserver_database_errors_total", "authserver_throttled_total"):
        assert f"# TYPE {name}" in after, name


async def test_throttled_refusals_are_counted_by_limit(start_server, unique):
    server = start_server(LIMIT_LOGIN_ACCOUNT_IP="1/hour")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique, login=False)
        for _ in range(2):
            await call(http, server, "login",
                       {"username": account.username, "password": "not the password"})
        _, text = await scrape(http, server)
    assert samples(text, "authserver_throttled_total")['{limit="login_account_ip"}'] == 1


async def test_metrics_are_refused_outside_metrics_allow_unless_the_token_is_shown(
        start_server):
    server = start_server(METRICS_ALLOW="192.0.2.0/24", METRICS_TOKEN=TOKEN)
    async with aiohttp.ClientSession() as http:
        status, body = await scrape(http, server)
        assert status == 403
        assert json.loads(body)["code"] == "PERMISSION_DENIED"
        status, _ = await scrape(http, server, Authorization="Bearer wrong-token-of-same-size")
        assert status == 403
        status, body = await scrape(http, server, Authorization=f"Bearer {TOKEN}")
        assert status == 200 and "authserver_requests_total" in body


async def test_workers_metrics_are_summed_at_each_scrape(start_server, redis_url):
    server = start_server("postgresql", WORKERS="2", REDIS_URL=redis_url,
                          RATE_LIMIT_PREFIX=f"test-{uuid.uuid4().hex[:8]}")
    for _ in range(40):  # a new connection each time, so both workers take some
        async with aiohttp.ClientSession() as http, http.get(server.url + "/api/ready") as reply:
            assert reply.status == 200
    async with aiohttp.ClientSession() as http:
        status, text = await scrape(http, server)
    assert status == 200
    assert samples(text, "authserver_requests_total")['{call="ready",status="200"}'] == 40


async def test_ready_says_what_it_checked(any_server, http):
    reply = await call(http, any_server, "ready")
    assert reply.status == 200
    assert reply.body == {"status": "ready", "database": "ok", "migrations": "current",
                          "mail": "running"}


async def test_json_logs_carry_the_request_id_sent_back_to_the_client(start_server, unique):
    # the id is kept only from a trusted proxy (here the test itself, on loopback)
    server = start_server(LOG_FORMAT="json", TRUSTED_PROXIES="127.0.0.1")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique, login=False)
        login = await call(http, server, "login",
                           {"username": account.username, "password": account.password})
        given = await call(http, server, "me", token=login.body["token"],
                           headers={"X-Request-Id": "from-the-proxy-123"})
    request_id = login.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert given.headers["X-Request-Id"] == "from-the-proxy-123"

    async def logged() -> list[dict]:
        while True:
            lines = [json.loads(line) for line in server.log().splitlines()
                     if line.startswith("{")]
            if any(line.get("call") == "me" for line in lines):
                return lines
            await asyncio.sleep(0.05)

    lines = await asyncio.wait_for(logged(), 10)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]
    [access] = [line for line in lines if line.get("request_id") == request_id
                and line["logger"] == "tornado.access"]
    assert access["call"] == "login" and access["status"] == 200
    assert access["client"] == "127.0.0.1" and access["duration_ms"] > 0
    # What the service logged while serving the login carries the same id.
    assert any(line["logger"] == "authserver.services.audit" and
               line.get("request_id") == request_id for line in lines)
    assert any(line.get("request_id") == "from-the-proxy-123" for line in lines)


async def test_ready_is_503_while_stopping(start_server, unique):
    """A load balancer's probe on a kept-alive connection is told to go elsewhere as soon
    as SIGTERM arrives, while a slow login still finishes."""
    server = start_server(BCRYPT_ROUNDS="15")
    async with aiohttp.ClientSession() as http, aiohttp.ClientSession() as prober:
        account = await verified_account(http, server, unique, login=False)
        assert (await call(prober, server, "ready")).status == 200
        _, text = await scrape(prober, server)
        hashed = samples(text, "authserver_hash_wait_seconds_count")[""]
        login = asyncio.create_task(call(http, server, "login", {
            "username": account.username, "password": account.password}))

        async def until(condition) -> None:
            while not await condition():
                await asyncio.sleep(0.02)

        async def hashing() -> bool:
            _, text = await scrape(prober, server)
            return samples(text, "authserver_hash_wait_seconds_count")[""] > hashed

        async def stopping() -> bool:
            return "stopping: finishing" in server.log()

        await asyncio.wait_for(until(hashing), 10)
        server.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(until(stopping), 10)
        assert not login.done()
        probe = await call(prober, server, "ready")
        assert probe.status == 503 and probe.body["code"] == "UNAVAILABLE"
        assert (await login).status == 200
    assert server.stop() == 0


async def test_collector_pauses_are_a_histogram_by_generation(start_server):
    """The collector's full passes (one a second) show as authserver_gc_pause_seconds."""
    server = start_server()
    async with aiohttp.ClientSession() as http:
        async def full_pass_seen() -> dict[str, float]:
            while True:
                _, text = await scrape(http, server)
                counts = samples(text, "authserver_gc_pause_seconds_count")
                if counts.get('{generation="2"}', 0) >= 1:
                    return counts
                await asyncio.sleep(0.2)
        counts = await asyncio.wait_for(full_pass_seen(), 30)
    assert set(counts) <= {'{generation="0"}', '{generation="1"}', '{generation="2"}'}
