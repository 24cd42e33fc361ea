import aiohttp
import pytest

from tests.support.live import LiveClient


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def clients():
    """Make LiveClients; every one is closed after the test."""
    made: list[LiveClient] = []

    def make(server, transport: str = "websocket") -> LiveClient:
        client = LiveClient(server, transport)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
