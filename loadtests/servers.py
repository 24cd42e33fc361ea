"""Start and stop the processes a measurement needs, on free loopback ports.

Every process is started in its own session and registered on an ExitStack, so the
whole group is ended (TERM, then KILL) however the benchmark exits.
"""

import contextlib
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from loadtests.payloads import HEALTH

LOOPBACK = "127.0.0.1"


def raise_open_files_limit() -> None:
    """Thousands of sockets need thousands of descriptors, here and in the processes
    started from here (they inherit the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def open_files_limit() -> int:
    """How many descriptors a process started from here may hold (the hard limit, which
    `raise_open_files_limit` gives it)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def free_port() -> int:
    """A port nothing listens on right now (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass
class Running:
    """A started process and where it answers."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid


def stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """End the process and everything it started (its session), politely first."""
    if process.poll() is not None:
        return
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def start(stack: contextlib.ExitStack, name: str, argv: list[str], *, port: int, logdir: Path,
          env: dict[str, str] | None = None, ready=None, timeout: float = 30.0) -> Running:
    """Run `argv` with output to `logdir/name.log` (`name-2.log` for a second one); wait
    until `ready(running)` is true."""
    log = logdir / f"{name}.log"
    restarts = 1
    while log.exists():
        restarts += 1
        log = logdir / f"{name}-{restarts}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    stack.callback(stop, process)
    running = Running(name, process, port, log)
    deadline = time.monotonic() + timeout
    while not (ready or _listening)(running):
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: see {log}\n"
                               + log.read_text(errors="replace")[-2000:])
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} not ready after {timeout:.0f} s: see {log}")
        time.sleep(0.1)
    return running


def _listening(running: Running) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, running.port)) == 0


def _healthy(running: Running) -> bool:
    try:
        with urllib.request.urlopen(running.url + HEALTH, timeout=2) as reply:  # noqa: S310
            return reply.status == 200
    except OSError:
        return False


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def wait_idle(pid: int, *, below_percent: float = 10.0, timeout: float = 60.0) -> None:
    """Wait (up to `timeout`) until the process uses under `below_percent` of a core, so one
    measurement does not start while the last one is still being worked off."""
    process = psutil.Process(pid)
    deadline = time.monotonic() + timeout
    while process.cpu_percent(interval=0.5) >= below_percent and time.monotonic() < deadline:
        pass


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def smtp_sink(stack: contextlib.ExitStack, workdir: Path, logdir: Path) -> tuple[Running, Path]:
    """The SMTP sink process and the folder it writes mails to."""
    maildir = workdir / "mail"
    port = free_port()
    sink = start(stack, "smtp-sink", python("-m", "loadtests.smtp_sink", "--port", str(port),
                                           "--maildir", str(maildir)),
                 port=port, logdir=logdir)
    return sink, maildir


def server_env(workdir: Path, database_url: str | None, smtp_port: int) -> dict[str, str]:
    """The environment of a server under load: its own database, mail to the sink, no limits.

    Rate limits are off (RATE_LIMITS=off): the load comes from one address and a few
    accounts, which the limits exist to stop.
    """
    return {
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'auth.db'}",
        "SECRET_KEY": secrets.token_hex(32),
        "SMTP_SERVER": LOOPBACK,
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "FROM_EMAIL": "bench@example.com",
        "RATE_LIMITS": "off",
    }


def authserver(stack: contextlib.ExitStack, logdir: Path, env: dict[str, str],
               workers: int = 1) -> Running:
    """`python -m authserver serve` on a free loopback port, ready when health answers 200."""
    port = free_port()
    argv = python("-m", "authserver", "serve", "--host", LOOPBACK, "--port", str(port))
    if workers > 1:
        argv += ["--workers", str(workers)]
    return start(stack, "authserver", argv, port=port, logdir=logdir, env=env, ready=_healthy,
                 timeout=60)


def bare_tornado(stack: contextlib.ExitStack, logdir: Path) -> Running:
    """The reference: a bare Tornado app answering the same health JSON."""
    port = free_port()
    return start(stack, "bare-tornado",
                 python("-m", "loadtests.bench.bare", "--host", LOOPBACK, "--port", str(port)),
                 port=port, logdir=logdir, ready=_healthy)


def create_accounts(workdir: Path, env: dict[str, str], count: int, prefix: str) -> Path:
    """Verified accounts made by the operator command; returns the credentials file."""
    out = workdir / f"{prefix}-accounts.csv"
    subprocess.run(
        python("-m", "authserver", "users", "create", "--count", str(count), "--prefix", prefix,
               "--out", str(out)),
        env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL, timeout=600,
    )
    return out
