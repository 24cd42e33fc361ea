"""The ends of sessions as PostgreSQL announces them (schema version 18): the channel
between servers that share a PostgreSQL database without Redis.

One connection of its own LISTENs (asyncpg; the store's pool is for work, and a LISTEN
holds its connection for good). Each notice names a session that another process, or
this one, has just ended; the socket layer ends its sockets on it (`session_heard`); or,
as `user:<id>`, an account whose role changed (`user_heard`), as on the Redis channel.
Each notice names the process that made it (its connection's application_name): this
server's own are skipped, since the service that ended the session told its sockets why
("your password was reset") and the notice, sent at the commit, would beat it. A
notice sent while the connection was down is lost, so once listening again it says so
(`listening_again`, at the first connection too) and the socket layer asks the database
once, as it does when Redis comes back (realtime/server.py).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "authserver_sessions_ended"  # as the trigger of schema version 18 names it
RETRY_SECONDS = 1.0


class EndNotices:
    def __init__(self, database_url: str, origin: str) -> None:
        self._url = database_url
        self._origin = origin  # this server's application_name: its own notices are skipped
        self._listener: asyncio.Task | None = None
        self.session_heard: Callable[[int], None] = lambda session_id: None
        self.user_heard: Callable[[int], None] = lambda user_id: None
        self.listening_again: Callable[[], None] = lambda: None

    async def start(self) -> None:
        self._listener = asyncio.get_running_loop().create_task(self._listen_forever())

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    def _heard(self, connection, pid: int, channel: str, payload: str) -> None:
        what, _, origin = payload.partition(" ")
        if origin == self._origin:  # ended here: this server told its sockets why already
            return
        kind, _, ident = what.rpartition(":")
        if not ident.isdigit():
            return
        if kind == "user":
            self.user_heard(int(ident))
        elif not kind:
            self.session_heard(int(ident))

    async def _listen_forever(self) -> None:
        """Listen; when the connection cannot be made or is lost, try again every
        RETRY_SECONDS (said once a streak, not once a second through an outage)."""
        said = False
        while True:
            try:
                connection = await asyncpg.connect(self._url)
            except Exception as exc:  # the task must live: an outage ends some day
                if not said:
                    log.warning("cannot listen for ended sessions: %s; trying again", exc)
                said = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            said = False
            try:
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._heard)
                self.listening_again()  # what ended before, unheard: asked once
                await lost.wait()
                log.warning("the channel of ended sessions was lost; listening again")
            except Exception as exc:  # as above
                log.warning("listening for ended sessions failed: %s; trying again", exc)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(connection.close(timeout=1))
            await asyncio.sleep(RETRY_SECONDS)
