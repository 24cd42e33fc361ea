"""Each call the scale benchmark times, one at a time against the running server, and the
health probe that runs while a retention pass deletes.

A call is timed from send to the last byte of its reply (or, for chat history, to the
socket's `history` event); each figure is the median and the 99th percentile of its
samples, in milliseconds. Every reply must be the success the contract names: a failure
stops the benchmark rather than timing an error page.
"""

import asyncio
import random
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import socketio

from contracts import messages as m
from contracts.service import call_named
from loadtests.scale.loader import ADMIN, PASSWORD, username

Sample = Callable[[], Awaitable[None]]


def _route(name: str) -> str:
    return call_named(name).route


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2),
            "samples": len(ordered)}


class Client:
    """The benchmark's HTTP and Socket.IO client of one server."""

    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.http = http

    async def post(self, name: str, body: dict, token: str | None = None) -> dict:
        call = call_named(name)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        method = self.http.get if call.method == "GET" else self.http.post
        kwargs = {} if call.method == "GET" else {"json": body}
        async with method(self.base + call.route, headers=headers, **kwargs) as reply:
            payload = await reply.json()
            if reply.status != call.status:
                raise RuntimeError(f"{name}: {reply.status} {payload}")
            return payload

    async def login(self, name: str) -> str:
        reply = await self.post("login", {"username": name, "password": PASSWORD})
        return m.LoginReply.model_validate(reply).token

    async def health_ms(self) -> float:
        began = time.perf_counter()
        async with self.http.get(self.base + _route("health")) as reply:
            await reply.read()
            if reply.status != 200:
                raise RuntimeError(f"health: {reply.status}")
        return (time.perf_counter() - began) * 1000


async def timed(sample: Sample, count: int) -> dict[str, float]:
    """`count` runs of `sample`, one after another."""
    taken = []
    for _ in range(count):
        began = time.perf_counter()
        await sample()
        taken.append((time.perf_counter() - began) * 1000)
    return summary(taken)


class History:
    """A signed-in socket asking for the latest chat page."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.socket = socketio.AsyncClient()
        self.pages: asyncio.Queue = asyncio.Queue()
        self.socket.on("history", self.pages.put)

    async def __aenter__(self) -> "History":
        await self.socket.connect(self.base, auth={"token": self.token},
                                  transports=["websocket"])
        return self

    async def __aexit__(self, *_) -> None:
        await self.socket.disconnect()

    async def page(self) -> None:
        await self.socket.emit("history", {"limit": 50})
        await asyncio.wait_for(self.pages.get(), 30)


async def measure_calls(client: Client, accounts: int, samples: int) -> dict[str, dict]:
    """Every timed call at this size, from a fresh admin and user sign-in."""
    admin = await client.login(ADMIN)
    pick = random.Random(accounts)

    def someone() -> int:
        return pick.randint(1, accounts)

    user_token = await client.login(username(someone()))
    newest = (await client.post("admin_list_users", {"limit": 1}, admin))["users"][0]["id"]
    deep_cursor = str(max(2, newest - accounts + 25))
    deep_offset = max(0, int(accounts * 0.9))

    async def login() -> None:
        await client.login(username(someone()))

    async def signup() -> None:
        name = f"fresh{secrets.token_hex(5)}"
        await client.post("signup", {"username": name, "email": f"{name}@example.com",
                                     "password": "a fresh scale password"})

    async def admin_list(**body) -> None:
        await client.post("admin_list_users", {"limit": 25, **body}, admin)

    figures = {
        "login": await timed(login, samples),
        "me": await timed(lambda: client.post("me", {}, user_token), samples),
        "signup": await timed(signup, samples),
        "forgot": await timed(lambda: client.post(
            "forgot_password", {"email": f"{username(someone())}@example.com"}), samples),
        "admin_list_first": await timed(admin_list, samples),
        "admin_list_deep_cursor": await timed(lambda: admin_list(cursor=deep_cursor), samples),
        "admin_list_deep_offset": await timed(lambda: admin_list(offset=deep_offset),
                                              max(3, samples // 5)),
        "admin_search_hit": await timed(lambda: admin_list(query=username(someone())),
                                        samples),
        "admin_search_miss": await timed(lambda: admin_list(
            query=f"nobody{secrets.token_hex(3)}"), samples),
        "user_detail": await timed(lambda: client.post(
            "admin_show_user", {"user_id": newest - pick.randint(0, accounts - 1)}, admin),
            samples),
    }
    async with History(client.base, user_token) as history:
        figures["chat_history"] = await timed(history.page, samples)
    return figures


async def health_while(client: Client, running: asyncio.Task) -> dict[str, float]:
    """Health, asked one after another until `running` ends."""
    taken = []
    while not running.done():
        taken.append(await client.health_ms())
    return summary(taken or [await client.health_ms()])
