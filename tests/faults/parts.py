"""Real parts to break: an SMTP sink that can hold mail, a Redis of the test's own, and
PostgreSQL's own switches for refusing and dropping connections."""

import asyncio
import shutil
import subprocess
import threading
import time
from collections import Counter
from email import message_from_bytes

import asyncpg
import redis
from aiosmtpd.controller import Controller

from tests.support.databases import POSTGRES_ADMIN_URL
from tests.support.ports import free_port


async def wait_until(condition, timeout: float, interval: float = 0.05, what: str = "") -> float:
    """Poll `condition` (sync or async) until true; the seconds it took. Fails after
    `timeout` seconds, a bound far above what the fixed code needs."""
    started = time.monotonic()
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(interval)


class _Handler:
    def __init__(self, sink: "HoldingSink") -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        sink = self.sink
        with sink.lock:
            sink.started += 1
        held_until = time.monotonic() + sink.hold_seconds
        while (sink.holding or time.monotonic() < held_until):
            if server.transport is None or server.transport.is_closing():
                return "451 abandoned"  # the client is gone: nothing was accepted
            await asyncio.sleep(0.02)
        message = message_from_bytes(envelope.original_content)
        with sink.lock:
            for recipient in envelope.rcpt_tos:
                sink.received[recipient.lower()] += 1
                sink.subjects.append(message["Subject"])
        return "250 OK"


class HoldingSink:
    """An SMTP server that accepts each mail after `hold_seconds`, or holds every mail
    while `holding` is set (a relay that has stopped answering). A mail counts as
    received only when the 250 went out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.port = free_port()
        self.hold_seconds = 0.0
        self.holding = False
        self.started = 0
        self.received: Counter[str] = Counter()
        self.subjects: list[str] = []
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "HoldingSink":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.holding = False
        self._controller.stop()

    def duplicates(self) -> dict[str, int]:
        with self.lock:
            return {who: count for who, count in self.received.items() if count > 1}


class OwnRedis:
    """A redis-server of the test's own on a free port, to kill and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> "OwnRedis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def postgres_admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def refuse_connections(url: str, refuse: bool) -> None:
    """ALLOW_CONNECTIONS false (new connections fail with 55000), or true again."""
    allow = "false" if refuse else "true"
    await postgres_admin(f'ALTER DATABASE "{database_name(url)}" ALLOW_CONNECTIONS {allow}')


async def terminate_backends(url: str) -> None:
    """Drop every connection the server holds to its database (pg_terminate_backend)."""
    await postgres_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database_name(url)}' AND pid <> pg_backend_pid()"
    )
