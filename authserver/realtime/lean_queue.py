"""An unbounded FIFO queue for one connection, that costs little while it is empty.

Every socket holds two queues: Engine.IO's outgoing packets (`AsyncSocket.queue`, made
by the server's `create_queue`) and the Tornado driver's received frames (the handler's
`receive_queue`). An `asyncio.Queue` allocates four deques up front (its items, its
getters, its putters, and the waiters of its `join` event), some 760 bytes each, so the
two queues were about 6 KiB of every held socket, mostly for waiters an unbounded queue
never has. This one keeps its items in a deque only while it holds some, and its
waiters in lists made when someone waits.

It behaves as `asyncio.Queue()` (no maxsize) for what the two users call: `put`,
`put_nowait`, `get` (cancellable, as `asyncio.wait_for` does), `get_nowait` (raising
`asyncio.QueueEmpty`), `qsize`, `empty`, `task_done` and `join`.
"""

import asyncio
from collections import deque


class LeanQueue:
    """An unbounded FIFO queue whose storage is made when it is needed."""

    __slots__ = ("_getters", "_items", "_joiners", "_unfinished")

    def __init__(self) -> None:
        self._items: deque | None = None  # only while it holds items
        self._getters: list[asyncio.Future] | None = None  # `get`s waiting for an item
        self._joiners: list[asyncio.Future] | None = None  # `join`s waiting for task_done
        self._unfinished = 0

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._unfinished += 1
        self._wake_getter()

    async def put(self, item) -> None:
        """As `put_nowait`: an unbounded queue never makes a sender wait."""
        self.put_nowait(item)

    def get_nowait(self):
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    async def get(self):
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                self._forget_getter(getter)
                if self._items and not getter.cancelled():
                    # Woken for an item, then cancelled: the item goes to the next getter.
                    self._wake_getter()
                raise
            self._forget_getter(getter)
        return self.get_nowait()

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._joiners is not None:
            joiners, self._joiners = self._joiners, None
            for joiner in joiners:
                if not joiner.done():
                    joiner.set_result(None)

    async def join(self) -> None:
        if self._unfinished > 0:
            joiner = asyncio.get_running_loop().create_future()
            if self._joiners is None:
                self._joiners = []
            self._joiners.append(joiner)
            await joiner

    def _wake_getter(self) -> None:
        for getter in self._getters or ():
            if not getter.done():
                getter.set_result(None)
                return

    def _forget_getter(self, getter: asyncio.Future) -> None:
        if self._getters is not None and getter in self._getters:
            self._getters.remove(getter)
            if not self._getters:
                self._getters = None
