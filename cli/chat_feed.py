"""Chat in seq order, each message once: live, or fetched when the live feed skipped some.

Every chat message carries its place in the room (`seq`: 1, 2, 3, ... with no holes).
A message whose seq is more than one past the last one shown means some were missed
(another server was cut off from Redis for a moment): those are fetched with
`history {after: last}` before it is shown. After a reconnect the same is asked, since
anything said while away was missed. A seq already shown is dropped.
"""

import asyncio
from collections.abc import Awaitable, Callable

from contracts.events import ChatMessage, History, HistoryRequest

Fetch = Callable[[HistoryRequest], Awaitable[History]]
Show = Callable[[ChatMessage], None]


class ChatFeed:
    def __init__(self, fetch: Fetch, show: Show) -> None:
        self._fetch = fetch
        self._show = show
        self.last_seq: int | None = None  # none shown yet: nothing to catch up on
        self._lock = asyncio.Lock()  # one catch-up at a time, live messages wait behind it

    async def received(self, message: ChatMessage) -> None:
        async with self._lock:
            if self.last_seq is not None and message.seq > self.last_seq + 1:
                await self._backfill()
            self._take(message)

    async def reconnected(self) -> None:
        async with self._lock:
            if self.last_seq is not None:
                await self._backfill()

    async def _backfill(self) -> None:
        while True:
            page = await self._fetch(HistoryRequest(after=self.last_seq))
            for message in page.messages:
                self._take(message)
            if not page.has_more or not page.messages:
                return

    def _take(self, message: ChatMessage) -> None:
        if self.last_seq is not None and message.seq <= self.last_seq:
            return  # shown already, live or from history
        self.last_seq = message.seq
        self._show(message)
