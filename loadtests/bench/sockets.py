"""Socket.IO figures, measured with python-socketio's own AsyncClient over WebSocket.

All clients live in this process, so send and receive times share one clock. Every
client shares one aiohttp session whose connector has no connection cap (aiohttp's
default of 100 would hold the 101st socket back).
"""

import asyncio
import contextlib
import gc
import logging
import random
import re
import statistics
import time

import aiohttp
import psutil
import socketio

from contracts.events import ChatMessage, Echo
from loadtests.bench import http_load
from loadtests.payloads import HEALTH, chat_payload

# A client whose server pinged too late logs "packet queue is empty" and drops: held()
# counts the drops itself, so thousands of such lines would only hide the progress.
logging.getLogger("engineio.client").setLevel(logging.CRITICAL)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class CpuMeter:
    """This process's CPU use over a block, in percent of one core (evidence that the
    clients were not the bottleneck)."""

    def __enter__(self) -> "CpuMeter":
        self.started, self.cpu = time.monotonic(), time.process_time()
        self.percent = 0.0
        return self

    def __exit__(self, *exc) -> None:
        wall = time.monotonic() - self.started
        self.percent = round(100 * (time.process_time() - self.cpu) / max(wall, 1e-9), 1)


@contextlib.contextmanager
def no_collector_pauses():
    """Hold the cyclic garbage collector off in this process for a block.

    With thousands of clients a full collection walks every one of their objects and
    stalls the event loop for seconds; a client that stalls misses the server's pings and
    drops, and the benchmark would be measuring itself.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


class Clients:
    """Many connected clients sharing one HTTP session; closes them all on exit."""

    def __init__(self, url: str, token: str | None):
        self.url, self.token = url, token
        self.clients: list[socketio.AsyncClient] = []
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "Clients":
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self

    async def open(self, count: int, *, concurrency: int = 100, on_open=None) -> int:
        """Connect `count` more clients, `concurrency` handshakes at a time; the number
        that connected. `on_open(client)` registers handlers before each connects."""
        gate = asyncio.Semaphore(concurrency)

        async def one() -> bool:
            client = socketio.AsyncClient(http_session=self.session, handle_sigint=False,
                                          reconnection=False)
            if on_open:
                on_open(client)
            async with gate:
                try:
                    await client.connect(self.url, transports=["websocket"], wait_timeout=30,
                                         auth={"token": self.token} if self.token else None)
                except (TimeoutError, socketio.exceptions.ConnectionError, OSError):
                    return False
            self.clients.append(client)
            return True

        opened = await asyncio.gather(*(one() for _ in range(count)))
        return sum(opened)

    def connected(self) -> int:
        return sum(client.connected for client in self.clients)

    async def close(self, count: int) -> None:
        """Disconnect the first `count` clients, 500 at a time."""
        closing, self.clients = self.clients[:count], self.clients[count:]
        for start in range(0, len(closing), 500):
            batch = closing[start:start + 500]
            await asyncio.gather(*(client.disconnect() for client in batch),
                                 return_exceptions=True)

    async def __aexit__(self, *exc) -> None:
        await self.close(len(self.clients))
        await self.session.close()


async def echo(url: str, token: str | None, *, clients: int = 100, messages: int = 20,
               interval_s: float = 0.2) -> dict:
    """Round-trip time of `message` -> `message {echo}`: every client sends one message each
    `interval_s` (starting at random offsets), as people in a busy room would, not a flood."""
    samples: list[float] = []

    def on_open(client: socketio.AsyncClient) -> None:
        client.pending = {}

        async def on_message(data):
            sent = client.pending.pop(Echo.model_validate(data).echo["seq"], None)
            if sent is not None:
                sent.set_result(time.perf_counter())

        client.on("message", on_message)

    async def talk(client: socketio.AsyncClient) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(random.uniform(0, interval_s))
        for seq in range(messages):
            arrived = client.pending[seq] = loop.create_future()
            started = time.perf_counter()
            await client.emit("message", {"seq": seq})
            samples.append((await asyncio.wait_for(arrived, 10) - started) * 1000)
            await asyncio.sleep(max(0.0, interval_s - (time.perf_counter() - started)))

    async with Clients(url, token) as group:
        if await group.open(clients, on_open=on_open) < clients:
            raise RuntimeError("not every echo client could connect")
        with CpuMeter() as client_cpu:
            await asyncio.gather(*(talk(client) for client in group.clients))
    return {"socket_echo_p50_ms": round(statistics.median(samples), 2),
            "socket_echo_p99_ms": round(percentile(samples, 99), 2),
            "socket_echo_per_s": round(clients / interval_s),
            "socket_client_cpu_percent": client_cpu.percent}


async def chat_fanout(url: str, token: str, *, clients: int = 100, rounds: int = 20) -> dict:
    """Time from one client's `chat` until each of `clients` receives it, over `rounds`."""
    sent: dict[str, float] = {}
    delays: list[float] = []
    received = expected = 0
    everyone = asyncio.Event()

    def on_open(client: socketio.AsyncClient) -> None:
        async def on_chat(data):
            nonlocal received
            started = sent.get(ChatMessage.model_validate(data).text)
            if started is not None:
                received += 1
                delays.append((time.perf_counter() - started) * 1000)
                if received >= expected:
                    everyone.set()

        client.on("chat", on_chat)

    async with Clients(url, token) as group:
        if await group.open(clients, on_open=on_open) < clients:
            raise RuntimeError("not every chat client could connect")
        speaker = group.clients[0]
        for turn in range(rounds):
            text = f"bench fan-out {turn} {time.time_ns()}"
            expected = received + clients
            everyone.clear()
            sent[text] = time.perf_counter()
            await speaker.call("chat", chat_payload(text), timeout=10)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(everyone.wait(), 10)
    lost = rounds * clients - received
    return {"chat_fanout_p50_ms": round(statistics.median(delays), 2),
            "chat_fanout_p99_ms": round(percentile(delays, 99), 2),
            "chat_fanout_lost": lost}


async def held(url: str, token: str | None, server_pid: int, *, target: int,
               hold_s: float = 5.0, open_limit_s: float = 180.0, progress=print) -> dict:
    """Open up to `target` sockets at once (giving up on more after `open_limit_s` or when a
    batch mostly fails), keep them `hold_s`, count those still alive, and the server's
    resident memory per socket."""
    with no_collector_pauses():
        return await _held(url, token, psutil.Process(server_pid), target, hold_s,
                           open_limit_s, progress)


TALKERS = 100
CLOSED = 10_000  # sockets_close_s: the time to close this many (or all, if fewer)


async def _talk(clients: list[socketio.AsyncClient], seconds: float,
                interval_s: float = 0.2) -> None:
    """Each of `clients` sends a `message` every `interval_s` for `seconds` (the server
    echoes it back to the sender): traffic among a few while the many idle."""
    deadline = time.monotonic() + seconds

    async def one(client: socketio.AsyncClient) -> None:
        await asyncio.sleep(random.uniform(0, interval_s))
        while time.monotonic() < deadline:
            if client.connected:
                await client.emit("message", {"chatter": True})
            await asyncio.sleep(interval_s)

    await asyncio.gather(*(one(client) for client in clients))


async def _held(url, token, server, target, hold_s, open_limit_s, progress) -> dict:
    before = server.memory_info().rss
    cpu_before = sum(server.cpu_times()[:2])
    async with Clients(url, token) as group:
        step = max(500, target // 10)
        started = time.monotonic()
        with CpuMeter() as client_cpu:
            while len(group.clients) < target:
                wanted = min(step, target - len(group.clients))
                opened = await group.open(wanted)
                progress(f"  sockets open: {len(group.clients)} (alive: {group.connected()})")
                if opened < 0.99 * wanted or time.monotonic() - started > open_limit_s:
                    break
        opening_s = time.monotonic() - started
        opened_in_all = len(group.clients)  # closing below takes them off the list
        cpu_ms = (sum(server.cpu_times()[:2]) - cpu_before) * 1000
        # While they are held, and 100 of them talk: does the server still answer a light
        # HTTP load promptly?
        probe = http_load.WrkRun(url + HEALTH, label="health probe, sockets held",
                                 duration=hold_s, target_pid=server.pid, **http_load.PROBE)
        await _talk(group.clients[:TALKERS], hold_s + 0.5)
        probed = probe.result()
        alive = group.connected()
        after = server.memory_info().rss
        closing = await _close(url, group, server, min(CLOSED, len(group.clients)))
    return {"sockets_held": alive,
            "sockets_open_s": round(opening_s, 2),
            "socket_open_server_cpu_ms": round(cpu_ms / max(opened_in_all, 1), 2),
            "socket_open_client_cpu_percent": client_cpu.percent,
            "health_p99_ms_sockets_held": probed.p99_ms,
            "health_max_ms_sockets_held": probed.max_ms,
            **closing,
            "rss_kb_per_socket": round((after - before) / 1024 / max(alive, 1), 1)}



async def _close(url: str, group: Clients, server, count: int) -> dict:
    """Close `count` sockets; the time until the server counts them gone, and its CPU."""
    async with aiohttp.ClientSession() as http:
        before = await _sockets_open(http, url)
        cpu_before = sum(server.cpu_times()[:2])
        started = time.monotonic()
        await group.close(count)
        while True:  # the server says when: polled, as a client would
            if await _sockets_open(http, url) <= before - count:
                break
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
    return {"sockets_closed": count, "sockets_close_s": round(elapsed, 2),
            "sockets_close_server_cpu_s": round(sum(server.cpu_times()[:2]) - cpu_before, 2)}


async def _sockets_open(http: aiohttp.ClientSession, url: str) -> float:
    """The server's own count of open sockets (its /metrics, served to loopback)."""
    async with http.get(url + "/metrics") as reply:
        text = await reply.text()
    found = re.search(r"^authserver_sockets_open (\S+)$", text, re.MULTILINE)
    if found is None:
        raise RuntimeError("the server's /metrics has no authserver_sockets_open")
    return float(found.group(1))
