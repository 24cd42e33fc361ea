"""Fixtures: the real server on a free port (SQLite and PostgreSQL), a real SMTP sink.

Tests are clients. Every test fails if the server logged an ERROR or a traceback while it
ran: a bad request must be answered, never crash.
"""

import itertools
import os
import uuid
from pathlib import Path

import aiohttp
import pytest

from tests.need import need
from tests.support import databases
from tests.support.live import LiveClient
from tests.support.mailbox import Mailbox
from tests.support.server import ServerProcess

BACKENDS = ("sqlite", "postgresql")
SHARED_ADDRESS_LIMITS = {
    "LIMIT_SIGNUP_IP": "10000/hour",
    "LIMIT_LOGIN_IP": "10000/15minutes",
    "LIMIT_RESEND_IP": "10000/hour",
    "LIMIT_VERIFY_IP": "10000/hour",
    "LIMIT_SOCKET_CONNECT_IP": "10000/minute",
    "LIMIT_FORGOT_IP": "10000/hour",
    "LIMIT_RESET_IP": "10000/hour",
    "LIMIT_ECHO_IP": "100000/10seconds",
    "LIMIT_OAUTH_ENDPOINT_IP": "100000/minute",
}
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def postgres_reachable() -> bool:
    return databases.postgres_available()


class Servers:
    """Starts at most one shared server per backend, lazily, for the whole run."""

    def __init__(self, tmp_root: Path, mailbox: Mailbox, postgres_reachable: bool) -> None:
        self.tmp_root = tmp_root
        self.mailbox = mailbox
        self.postgres_reachable = postgres_reachable
        self.running: dict[str, ServerProcess] = {}
        self.databases: list[str] = []

    def database_url(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp_root / f'{uuid.uuid4().hex[:8]}.db'}"
        need(self.postgres_reachable,
             f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
        url = databases.create_postgres_database()
        self.databases.append(url)
        return url

    def new(self, backend: str, env: dict[str, str] | None = None,
            database_url: str | None = None) -> ServerProcess:
        url = database_url or self.database_url(backend)
        return ServerProcess(
            database_url=url,
            log_path=self.tmp_root / f"server-{backend}-{uuid.uuid4().hex[:6]}.log",
            env={
                "SMTP_SERVER": "127.0.0.1",
                "SMTP_PORT": str(self.mailbox.port),
                # Every test comes from 127.0.0.1: the per-address limits are widened,
                # the per-account and per-email ones stay as shipped. Tests of the
                # limits themselves start servers with their own settings.
                **SHARED_ADDRESS_LIMITS,
                **(env or {}),
            },
        )

    def shared(self, backend: str) -> ServerProcess:
        if backend not in self.running:
            server = self.new(backend).start()
            server.mailbox = self.mailbox
            self.running[backend] = server
        return self.running[backend]

    def close(self) -> None:
        for server in self.running.values():
            server.stop()
        for url in self.databases:
            databases.drop_postgres_database(url)


@pytest.fixture(scope="session")
def servers(tmp_path_factory, mailbox, postgres_reachable):
    pool = Servers(tmp_path_factory.mktemp("servers"), mailbox, postgres_reachable)
    yield pool
    pool.close()


@pytest.fixture(params=BACKENDS)
def server(request, servers) -> ServerProcess:
    """The shared server of each backend: every test using it runs on both."""
    return servers.shared(request.param)


@pytest.fixture
def any_server(servers) -> ServerProcess:
    """The shared SQLite server, for tests of clients rather than of storage."""
    return servers.shared("sqlite")


@pytest.fixture
def start_server(servers, request):
    """Start a server of one's own (backend or database_url, extra env); stopped after."""
    started: list[ServerProcess] = []

    def start(backend: str = "sqlite", database_url: str | None = None, **env: str):
        server = servers.new(backend, env, database_url)
        server.mailbox = servers.mailbox
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
        errors = server.errors_since(0)
        assert not errors, f"the server logged errors: {errors}"


@pytest.fixture(autouse=True)
def _no_server_errors(request, servers):
    """Fail the test if any running server logged an ERROR or a traceback during it."""
    offsets = {id(s): s.log_size() for s in servers.running.values()}
    yield
    for server in servers.running.values():
        errors = server.errors_since(offsets.get(id(server), 0))
        assert not errors, f"the server logged errors: {errors}"


_names = itertools.count()


@pytest.fixture
def unique():
    """A fresh username and email for each call."""
    run = uuid.uuid4().hex[:6]

    def make(prefix: str = "user") -> tuple[str, str]:
        name = f"{prefix}{run}{next(_names)}"
        return name, f"{name}@example.com"

    return make


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def clients():
    """Make LiveClients (Socket.IO); every one is closed after the test."""
    made: list[LiveClient] = []

    def make(server, transport: str = "websocket") -> LiveClient:
        client = LiveClient(server, transport)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
