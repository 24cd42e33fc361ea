"""Stopping under load: sockets are closed properly, work left at the grace's end is
answered 503, and a `--workers` parent ends even when a child will not."""

import asyncio
import contextlib
import json
import os
import signal
import time
import uuid

import aiohttp
import pytest

from tests.faults.parts import HoldingSink, OwnRedis, wait_until
from tests.need import need
from tests.support.api import call, verified_account

GOING_AWAY = 1001


async def _open_socket(http, server, token: str):
    """A raw Engine.IO WebSocket, signed in to the Socket.IO namespace."""
    ws = await http.ws_connect(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket")
    assert (await ws.receive_str()).startswith("0")  # Engine.IO open
    await ws.send_str("40" + json.dumps({"token": token}))
    while not (await ws.receive_str()).startswith("40"):  # events may come first
        pass
    return ws


async def _close_code(ws) -> int | None:
    while True:
        message = await ws.receive()
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.ERROR):
            return ws.close_code


async def _chat_until_closed(ws) -> None:
    """Send chats as fast as the socket takes them, until the server closes it."""
    sent = 0
    while not ws.closed:
        try:
            await ws.send_str(f'42{sent}["chat",{{"text":"while stopping {sent}"}}]')
        except ConnectionResetError:  # closing under our feet
            return
        sent += 1
        await asyncio.sleep(0.01)  # a steady stream, not a flood


async def test_sigterm_closes_every_websocket_with_going_away(start_server, unique):
    """Every socket gets a close frame with 1001, chats keep arriving until then, and
    none of them meets a closed store (the fixture fails the test on a logged error)."""
    server = start_server("sqlite")
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
        sockets = [await _open_socket(http, server, account.token) for _ in range(3)]
        chatting = asyncio.create_task(_chat_until_closed(sockets[0]))
        stopped = asyncio.create_task(asyncio.to_thread(server.stop))
        codes = await asyncio.wait_for(
            asyncio.gather(*(_close_code(ws) for ws in sockets)), 30)
        assert await stopped == 0
        await chatting
    assert codes == [GOING_AWAY] * 3, codes


async def test_logins_still_hashing_at_the_end_of_the_grace_get_503(start_server):
    """bcrypt at cost 14 (about a second a hash, two at a time) and 30 logins: some are
    still waiting when the 10 s grace ends; they are answered 503, not 500."""
    server = start_server("sqlite", BCRYPT_ROUNDS="14")
    async with aiohttp.ClientSession() as http:
        logins = [
            asyncio.create_task(call(http, server, "login", {
                "username": f"nobody{uuid.uuid4().hex[:8]}", "password": "not the password"}))
            for _ in range(30)
        ]
        await wait_until(lambda: any(login.done() for login in logins), 30,
                         what="a first login answered")
        code = await asyncio.to_thread(server.stop, signal.SIGTERM, 40)
        statuses = [reply.status for reply in await asyncio.gather(*logins)]
    assert code == 0
    assert set(statuses) == {401, 503}, statuses
    print(f"at the deadline: {statuses.count(503)} of 30 logins answered 503")


@pytest.fixture
def own_redis():
    need(OwnRedis.available(), "redis-server is not installed")
    redis_server = OwnRedis().start()
    yield redis_server
    redis_server.kill()


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


async def test_workers_parent_ends_even_if_a_child_hangs(start_server, own_redis):
    server = start_server("postgresql", WORKERS="2", REDIS_URL=own_redis.url)
    children = _children(server.process.pid)
    assert len(children) == 2
    os.kill(children[0], signal.SIGSTOP)  # a child that will never stop by itself
    started = time.monotonic()
    try:
        code = await asyncio.to_thread(server.stop, signal.SIGTERM, 45)
    finally:
        for child in children:  # never leave a stopped process behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    assert code == 0
    print(f"--workers 2 with a hung child ended in {time.monotonic() - started:.1f}s")


async def test_ready_answers_503_while_the_server_drains(start_server, unique):
    """A mail held at the relay keeps the server draining after SIGTERM: meanwhile
    /api/ready answers 503 (a load balancer takes the worker out), rather than the
    connection being refused."""
    with HoldingSink() as sink:
        sink.holding = True
        server = start_server("sqlite", SMTP_PORT=str(sink.port))
        async with aiohttp.ClientSession() as http:
            name, email = unique("drain")
            await call(http, server, "signup", {"username": name, "email": email,
                                                "password": "a fine long passphrase 42"})
            await wait_until(lambda: sink.started >= 1, 10, what="a mail held at the relay")
            server.process.send_signal(signal.SIGTERM)

            async def ready_status() -> int:
                # A new connection each time, as a load balancer's probe opens.
                fresh = aiohttp.TCPConnector(force_close=True)
                async with aiohttp.ClientSession(connector=fresh) as probe, \
                        probe.get(server.url + "/api/ready") as reply:
                    return reply.status

            statuses = set()

            async def draining() -> bool:
                statuses.add(await ready_status())
                return 503 in statuses
            await wait_until(draining, 10, what="/api/ready answering 503 while draining")
        sink.holding = False
        assert server.process.wait(timeout=30) == 0
    assert statuses <= {200, 503}
