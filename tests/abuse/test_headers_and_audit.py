"""Security headers on every reply, CORS only for ALLOWED_ORIGINS, and the audit log."""

import asyncio
import os
import subprocess
import sys

import pytest

from tests.support.api import call, verified_account

PASSWORD = "a good long password"
ALWAYS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
          "Referrer-Policy", "Permissions-Policy")


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/openapi.json", "/api/nowhere",
                                  "/nowhere", "/api/signup"])
async def test_security_headers_everywhere(http, any_server, path):
    async with http.get(any_server.url + path) as reply:
        for name in ALWAYS:
            assert reply.headers.get(name), (path, name)
        assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in reply.headers  # plain HTTP here


async def test_cors_only_for_allowed_origins(http, start_server):
    server = start_server(ALLOWED_ORIGINS="https://app.example.com")
    async with http.options(server.url + "/api/login",
                            headers={"Origin": "https://app.example.com",
                                     "Access-Control-Request-Method": "POST"}) as allowed:
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    async with http.options(server.url + "/api/login",
                            headers={"Origin": "https://evil.example.net",
                                     "Access-Control-Request-Method": "POST"}) as refused:
        assert "Access-Control-Allow-Origin" not in refused.headers
    async with http.get(server.url + "/", headers={"Origin": "https://app.example.com"}) as page:
        assert "Access-Control-Allow-Origin" not in page.headers
    for origin in ("https://app.example.com", "https://evil.example.net", "null"):
        async with http.get(server.url + "/api/health", headers={"Origin": origin}) as reply:
            assert reply.headers.get("Access-Control-Allow-Origin") != "*"


def _audit(server, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "authserver", "audit", *args],
        env={**os.environ, **server.env}, capture_output=True, text=True, timeout=30,
    )


async def test_audit_records_events_and_never_a_secret(http, start_server, unique):
    server = start_server(LIMIT_LOGIN_ACCOUNT_IP="1/minute")
    account = await verified_account(http, server, unique)
    await call(http, server, "logout", token=account.token)
    await call(http, server, "login", {"username": account.username, "password": "wrong one!"})
    await call(http, server, "login", {"username": account.username, "password": PASSWORD},
               headers={"User-Agent": "guesser/1.0"})
    await call(http, server, "resend_verification", {"email": "nobody@example.com"})
    result = await asyncio.to_thread(_audit, server, "--user", account.username.upper(),
                                     "--since", "1h")
    assert result.returncode == 0, result.stderr
    events = [line.split("\t")[1] for line in result.stdout.splitlines()]
    assert events == ["signup", "verify", "login_success", "logout", "login_failure",
                      "throttled"], result.stdout
    assert "guesser/1.0" in result.stdout.splitlines()[-1]
    everything = (await asyncio.to_thread(_audit, server)).stdout
    assert "resend" in everything
    code = await server.acode_for(account.email)
    for secret in (PASSWORD, "wrong one!", account.token, code):
        assert secret not in everything
