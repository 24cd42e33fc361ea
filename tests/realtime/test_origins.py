"""Only our own origin (and ALLOWED_ORIGINS) may open a socket from a browser."""

import aiohttp
import pytest

HANDSHAKE = "/socket.io/?EIO=4&transport=websocket"


async def _upgrade(server, origin: str | None) -> int:
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(server.url + HANDSHAKE, headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


async def test_cross_site_websocket_upgrade_gets_no_101(any_server):
    assert await _upgrade(any_server, "http://evil.example") == 403


async def test_own_origin_and_no_origin_connect(any_server):
    assert await _upgrade(any_server, any_server.url) == 101
    assert await _upgrade(any_server, None) == 101


async def test_cross_site_polling_is_refused(any_server):
    async with aiohttp.ClientSession() as http, http.get(
        any_server.url + "/socket.io/?EIO=4&transport=polling",
        headers={"Origin": "http://evil.example"},
    ) as reply:
        assert reply.status == 403
        assert "evil.example" in (await reply.json())["error"]


@pytest.mark.parametrize("origin", ["http://app.example"])
async def test_allowed_origins_may_connect(start_server, origin):
    server = start_server("sqlite", ALLOWED_ORIGINS=f"{origin},http://other.example")
    assert await _upgrade(server, origin) == 101
    assert await _upgrade(server, "http://evil.example") == 403
