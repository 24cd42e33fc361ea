"""The whole server in the test's own process (its `serve()`, on a free port), with
the clients in another (socket_crowd.py): for tests that read the server's collector
and CPU time, which a subprocess would hide."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from unittest import mock

from authserver import server as authserver
from authserver.observability.metrics import SOCKETS
from authserver.settings import load_settings
from authserver.store.prepare import prepare_database
from loadtests.servers import raise_open_files_limit
from tests.support.server import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def served(tmp_path: Path) -> AsyncIterator[str]:
    """Serve in this process until the block ends; yields the server's URL."""
    raise_open_files_limit()  # for the crowd too, which inherits it
    settings = load_settings({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'in-process.db'}", "SECRET_KEY": TEST_SECRET,
        "BCRYPT_ROUNDS": "4", "LIMIT_SOCKET_CONNECT_IP": "100000/minute",
    })
    listening = socket.create_server(("127.0.0.1", 0))
    listening.setblocking(False)
    await prepare_database(settings)
    # serve() ends a process that takes too long to stop (os._exit, 20 s later): here
    # that process is the test run's own.
    with mock.patch.object(authserver, "_hard_deadline", lambda seconds: None):
        serving = asyncio.create_task(authserver.serve(settings, [listening]))
        try:
            yield f"http://127.0.0.1:{listening.getsockname()[1]}"
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # serve() stops on it, as in production
            await serving
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Crowd:
    """COUNT raw WebSocket clients in a process of their own (socket_crowd.py)."""

    def __init__(self, url: str, count: int, mode: str = "close") -> None:
        self.url, self.count, self.mode = url, count, mode
        self.process: asyncio.subprocess.Process | None = None

    async def open(self) -> "Crowd":
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.realtime.socket_crowd", self.url, str(self.count),
            self.mode, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
        )
        await self._expect(b"open")
        await wait_for_sockets(self.count)
        return self

    async def end(self) -> None:
        """End every client, and wait until the server has closed every socket."""
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()
        await self._expect(b"done")
        await wait_for_sockets(0)

    async def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            await self.process.wait()

    async def _expect(self, line: bytes) -> None:
        said = await asyncio.wait_for(self.process.stdout.readline(), 300)
        assert said.strip() == line, said


async def wait_for_sockets(count: int, timeout: float = 300) -> None:
    """Wait until the server counts `count` sockets open."""
    async def reached() -> None:
        while SOCKETS._value.get() != count:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(reached(), timeout)


def open_descriptors() -> int:
    """The sockets this process holds open (its pipes to the crowd are not counted)."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{name}").startswith("socket:")
    return count


async def wait_for_descriptors(count: int, timeout: float = 60) -> None:
    """Wait until this process holds at most `count` sockets (the closed ones gone)."""
    async def reached() -> None:
        while open_descriptors() > count:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(reached(), timeout)
