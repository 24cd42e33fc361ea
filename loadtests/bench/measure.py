"""One run of every measurement; `python -m loadtests.bench` repeats it and keeps medians."""

import asyncio
import contextlib
import re
import secrets
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt

from contracts.messages import LoginReply
from loadtests import databases, payloads, servers
from loadtests.bench import http_load, oidc, sockets
from loadtests.bench.http_load import WrkResult, wrk

# The figures every run must produce (results.json may hold more).
KEYS = (
    "bare_tornado_rps", "health_rps", "me_rps", "bcrypt_ms", "login_bound_per_s", "login_per_s",
    "health_p50_ms", "health_p99_ms_under_login", "signup_per_s", "socket_echo_p50_ms",
    "socket_echo_p99_ms", "chat_fanout_p99_ms", "sockets_held", "rss_kb_per_socket",
    "health_p99_ms_sockets_held", "health_max_ms_sockets_held", "sockets_close_s",
    "gc_max_pause_ms", "me_rps_2_workers", "introspect_rps", "userinfo_rps", "token_refresh_per_s",
)

# What the server logs as it stops (authserver/collector.py).
_PAUSE_LINE = re.compile(r"longest collector pause ([0-9.]+) ms .*longest in CPU time "
                         r"([0-9.]+) ms")


DEFAULT_POSTGRES = "postgresql://127.0.0.1:5432/postgres"


@dataclass
class Plan:
    """How long and how hard each measurement runs."""

    seconds: float
    sockets_target: int
    sockets_open_limit_s: float
    fanout_rounds: int
    echo_messages: int
    bcrypt_rounds: int
    cores: int
    curve_connections: tuple[int, ...]
    # "oidc": only bare Tornado, /api/health, /api/me and the OpenID Provider's figures.
    only: str | None = None


@dataclass
class Setup:
    """What the measurements talk to."""

    workdir: Path
    logdir: Path
    server: servers.Running
    bare: servers.Running
    env: dict[str, str]
    maildir: Path
    accounts: list[payloads.Account]
    token: str
    redis_url: str
    # Where the two-worker figure makes a database of its own when the run is on SQLite.
    postgres_url: str = DEFAULT_POSTGRES
    # Names made by this run start with it, so a reused (PostgreSQL) database never clashes.
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    version: str = "?"
    wrk_runs: list[WrkResult] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    oidc_app: oidc.App | None = None


def bcrypt_ms(rounds: int, samples: int = 5) -> float:
    """One hash at the configured cost, on this machine, median of `samples`."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        bcrypt.hashpw(b"benchmark password", bcrypt.gensalt(rounds))
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[len(times) // 2], 1)


def once(setup: Setup, plan: Plan, run: int, progress: Callable[[str], None]) -> dict:
    """Every figure of one run."""
    figures: dict = {}
    seconds = plan.seconds
    for target in (setup.server, setup.bare):
        servers.wait_idle(target.pid)

    def load(target: servers.Running, path: str, label: str, **options) -> WrkResult:
        result = wrk(target.url + path, label=label, duration=options.pop("duration", seconds),
                     target_pid=target.pid, **options)
        setup.wrk_runs.append(result)
        return result

    progress("HTTP throughput: bare Tornado, /api/health, /api/me")
    figures["bare_tornado_rps"] = _ok(load(setup.bare, payloads.HEALTH, "bare health",
                                           connections=32)).rps
    figures["health_rps"] = _ok(load(setup.server, payloads.HEALTH, "health",
                                     connections=32)).rps
    figures["me_rps"] = _ok(load(setup.server, payloads.ME, "me", connections=32,
                                 headers=payloads.bearer(setup.token))).rps
    if plan.only == "oidc":
        return figures | _oidc(setup, load, seconds, progress)
    figures["me_rps_2_workers"] = _me_rps_2_workers(setup, seconds)
    figures |= _oidc(setup, load, seconds, progress)

    progress("health latency, idle, then while logins saturate the CPUs")
    idle = _ok(load(setup.server, payloads.HEALTH, "health probe", **http_load.PROBE))
    figures["health_p50_ms"], figures["health_p99_ms"] = idle.p50_ms, idle.p99_ms
    figures["bcrypt_ms"] = bcrypt_ms(plan.bcrypt_rounds, 3 if plan.seconds < 5 else 5)
    figures["login_bound_per_s"] = round(plan.cores * 1000 / figures["bcrypt_ms"], 1)

    def logins(label: str, duration: float) -> http_load.WrkRun:
        return http_load.WrkRun(setup.server.url + payloads.LOGIN, label=label,
                                duration=duration, connections=4 * plan.cores, method="POST",
                                body=[payloads.login_body(each) for each in setup.accounts],
                                headers=payloads.JSON, target_pid=setup.server.pid)

    # Logins alone, so the figure compared with the hashing bound pays for nothing else;
    # then again under the health probe, whose latency is the figure of that run.
    login = _ok(logins("login", seconds).result())
    setup.wrk_runs.append(login)
    figures["login_per_s"] = login.rps
    servers.wait_idle(setup.server.pid)
    probed_logins = logins("login under the probe", seconds + 2)
    time.sleep(1)
    busy = _ok(load(setup.server, payloads.HEALTH, "health probe under login", **http_load.PROBE))
    setup.wrk_runs.append(_ok(probed_logins.result()))
    figures["health_p50_ms_under_login"] = busy.p50_ms
    figures["health_p99_ms_under_login"] = busy.p99_ms

    progress("sign-ups, with mail to the SMTP sink")
    marker = f"s{setup.tag}r{run}_XXXXXXXXXX"
    template = payloads.new_account()
    template = payloads.Account(marker, f"{marker}@example.com", template.password)
    # Each sign-up hashes a password: a short run would end with every request in flight.
    signup = load(setup.server, payloads.SIGNUP, "signup", method="POST",
                  body=payloads.signup_body(template), headers=payloads.JSON,
                  unique=marker, connections=2 * plan.cores, duration=max(seconds, 8))
    made = signup.requests - signup.errors.get("status", 0)
    figures["signup_per_s"] = round(made / signup.duration_s, 1)
    figures["signup_mail_delivered_percent"] = _mail_delivered(setup.maildir,
                                                               marker.rstrip("X"), made)

    progress("Socket.IO: echo and chat fan-out at 100 clients")
    figures |= asyncio.run(sockets.echo(setup.server.url, setup.token,
                                        messages=plan.echo_messages))
    figures |= asyncio.run(sockets.chat_fanout(setup.server.url, setup.token,
                                               rounds=plan.fanout_rounds))

    # A server of its own, on the same database, ended afterwards: its memory grows only
    # with the sockets, and closing thousands of them does not slow the next run.
    progress(f"Socket.IO: holding up to {plan.sockets_target} sockets (a server of its own)")
    with contextlib.ExitStack() as own:
        server = servers.authserver(own, setup.logdir, setup.env)
        setup.pids.append(server.pid)
        figures |= asyncio.run(sockets.held(server.url, setup.token, server.pid,
                                            target=plan.sockets_target, progress=progress,
                                            open_limit_s=plan.sockets_open_limit_s))
    figures["gc_max_pause_ms"], figures["gc_max_pause_cpu_ms"] = _longest_pause_ms(server)
    return figures


def _oidc(setup: Setup, load: Callable[..., WrkResult], seconds: float,
          progress: Callable[[str], None]) -> dict:
    """The OpenID Provider's figures: introspection, userinfo, refresh."""
    progress("the OpenID Provider: introspection, userinfo, refresh")
    assert setup.oidc_app is not None
    issued = oidc.tokens(setup.server.url, setup.oidc_app, setup.accounts[0])
    figures = {}
    figures["introspect_rps"] = _ok(load(
        setup.server, "/oauth2/introspect", "introspect", connections=32,
        **oidc.introspection_load(setup.oidc_app, issued["access_token"]))).rps
    figures["userinfo_rps"] = _ok(load(setup.server, "/oauth2/userinfo", "userinfo",
                                       connections=32,
                                       headers=payloads.bearer(issued["access_token"]))).rps
    figures["token_refresh_per_s"] = oidc.refresh_per_s(setup.server.url, setup.oidc_app,
                                                        setup.accounts[0], seconds)
    return figures


def _me_rps_2_workers(setup: Setup, seconds: float) -> float:
    """/api/me as a deployment runs it: two workers sharing Redis and PostgreSQL (WORKERS=2
    refuses SQLite). On the run's own database when that is PostgreSQL, so the token stays
    good; else on a fresh one beside `setup.postgres_url`, with an account of its own,
    dropped after."""
    env = {**setup.env, "REDIS_URL": setup.redis_url, "RATE_LIMIT_PREFIX": f"bench{setup.tag}"}
    on_postgresql = env["DATABASE_URL"].startswith("postgres")
    with contextlib.ExitStack() as own:
        if not on_postgresql:
            url = asyncio.run(databases.create_database(setup.postgres_url, "authserver_bench"))
            own.callback(lambda: asyncio.run(databases.drop_database(setup.postgres_url, url)))
            env["DATABASE_URL"] = url
            made = servers.create_accounts(setup.workdir, env, 1, f"w{setup.tag}u")
            [account] = payloads.read_accounts(made)
        server = servers.authserver(own, setup.logdir, env, workers=2)
        setup.pids.append(server.pid)
        token = setup.token if on_postgresql else login(server.url, account)
        result = _ok(wrk(server.url + payloads.ME, label="me, 2 workers", duration=seconds,
                         connections=32, headers=payloads.bearer(token),
                         target_pid=server.pid))
        setup.wrk_runs.append(result)
    return result.rps


def login(url: str, account: payloads.Account) -> str:
    """A session token of `account` from the server at `url`."""
    body = payloads.login_body(account).encode()
    request = urllib.request.Request(url + payloads.LOGIN, body, payloads.JSON)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 (loopback)
        return LoginReply.model_validate_json(reply.read()).token


def _longest_pause_ms(server: servers.Running) -> tuple[float, float]:
    """The longest collector pause the (stopped) server logged, in wall and CPU time."""
    found = _PAUSE_LINE.search(server.log.read_text(errors="replace"))
    if found is None:
        raise RuntimeError(f"{server.log} has no collector pause line: did it stop cleanly?")
    return float(found.group(1)), float(found.group(2))


def curve(setup: Setup, plan: Plan, progress: Callable[[str], None]) -> list[dict]:
    """Health latency against throughput as connections grow, server and bare Tornado."""
    points = []
    for target, name in ((setup.bare, "bare Tornado"), (setup.server, "authserver")):
        for connections in plan.curve_connections:
            progress(f"latency curve: {name}, {connections} connections")
            result = wrk(target.url + payloads.HEALTH, label=name, connections=connections,
                         duration=max(2.0, plan.seconds / 3), target_pid=target.pid)
            points.append({"target": name, "connections": connections, "rps": result.rps,
                           "p50_ms": result.p50_ms, "p99_ms": result.p99_ms,
                           "errors": result.failed})
    return points


def _ok(result: WrkResult) -> WrkResult:
    """The result, or an error if any request failed or none was answered: a figure made of
    errors means nothing."""
    if result.failed or not result.requests:
        raise RuntimeError(f"{result.label}: {result.errors} of {result.requests} failed")
    return result


def _mail_delivered(maildir: Path, prefix: str, expected: int, wait_s: float = 30) -> float:
    """The share of sign-ups whose mail reached the sink (waiting for the outbox to drain)."""
    deadline = time.monotonic() + wait_s
    while True:
        delivered = sum(1 for path in maildir.glob(f"{prefix}*"))
        if delivered >= expected or time.monotonic() > deadline:
            # Sign-ups still in flight when wrk stopped mail too: more mails than replies.
            return min(100.0, round(100 * delivered / max(expected, 1), 1))
        time.sleep(0.5)
