"""A Socket.IO test client that records every event it receives."""

import asyncio
from collections import defaultdict

import socketio

from tests.support.api import verified_account

EVENTS = ("connected", "auth_success", "auth_error", "message", "chat", "history",
          "presence", "who", "session_revoked", "error", "connect_error",
          "login_approval_request", "login_approval_closed", "role_changed")


class LiveClient:
    def __init__(self, server, transport: str = "websocket") -> None:
        self.server = server
        self.transports = [transport] if transport == "websocket" else ["polling"]
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self.disconnected = asyncio.Event()
        for event in EVENTS:
            self.sio.on(event, self._recorder(event))
        self.sio.on("disconnect", lambda *args: self.disconnected.set())

    def _recorder(self, event: str):
        async def record(data=None):
            await self.received[event].put(data)
        return record

    async def connect(self, token: str | None = None, headers: dict | None = None) -> "LiveClient":
        await self.sio.connect(
            self.server.url, transports=self.transports, socketio_path="/socket.io",
            auth={"token": token} if token else None, headers=headers or {}, wait_timeout=5,
        )
        return self

    async def next(self, event: str, timeout: float = 5.0):
        return await asyncio.wait_for(self.received[event].get(), timeout)

    async def next_where(self, event: str, predicate, timeout: float = 5.0):
        """The next `event` whose data satisfies `predicate`, skipping others."""
        async def find():
            while True:
                data = await self.received[event].get()
                if predicate(data):
                    return data
        return await asyncio.wait_for(find(), timeout)

    async def nothing(self, event: str, within: float = 0.3) -> bool:
        try:
            await asyncio.wait_for(self.received[event].get(), within)
        except TimeoutError:
            return True
        return False

    async def call(self, event: str, data=None, timeout: float = 5.0):
        return await self.sio.call(event, data, timeout=timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


async def presence_of(user: str, watcher: LiveClient, clients, server, http,
                      unique) -> list[dict]:
    """The presence events about `user` the watcher got, up to a marker account's going
    offline: events reach the watcher in order, so the marker's closes the window."""
    marker = await verified_account(http, server, unique)
    await (await clients(server).connect(token=marker.token)).close()
    seen = []
    while (event := await watcher.next("presence")) != {"user": marker.username,
                                                         "online": False}:
        seen.append(event)
    return [event for event in seen if event["user"] == user]
