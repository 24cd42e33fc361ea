"""A relying party's back-channel logout endpoint: a small aiohttp server in a thread of
its own, which takes `logout_token=...` form posts and keeps what it was sent."""

import asyncio
import queue
import socket
import threading

from aiohttp import web


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LogoutListener:
    """Listens on 127.0.0.1:`port` (chosen before it starts, so an app can be registered
    with its URI while it is down)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}/backchannel-logout"
        self.received: queue.Queue[str] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    async def _take(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = form.get("logout_token")
        if request.content_type != "application/x-www-form-urlencoded" or not token:
            return web.json_response({"error": "invalid_request"}, status=400)
        self.received.put(str(token))
        return web.Response(status=200)

    def start(self) -> "LogoutListener":
        started = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/backchannel-logout", self._take)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            started.set()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert started.wait(10), "the listener did not start"
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(10)

    def next_token(self, timeout: float = 30) -> str:
        """The next logout token posted (waits for it: delivery is asynchronous)."""
        return self.received.get(timeout=timeout)
