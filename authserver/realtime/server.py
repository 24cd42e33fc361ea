"""The Socket.IO server: its options, its Tornado route, ending revoked sessions, and
closing every socket properly when the server stops.

A session ends live, with no query while nothing happens:

- ended in this process (logout, revocation): the context's session listener;
- ended by another process: its announcement on the Redis channel of ended sessions
  (`EndedChannel`), or without Redis on PostgreSQL the database's own notice
  (`EndNotices`), heard here;
- expired: one timer over the local sessions' expiry times (`ExpiryTimer`).

An account's role reaches its sockets the same way: changed in this process, the context's
user listener; in another (a worker, `users grant-admin|revoke-admin`), its announcement
on the same channel. What none of these carry is found by a batched pass over the
database (`_sweep`): see `_sweep_forever` for when it runs. Without Redis on SQLite it runs
only after a write to the database (`WriteWatch`): either way, held sockets cost no query
while nothing happens.
"""

import asyncio
import contextlib
import logging
from typing import Any

from authserver.errors import ServiceError
from authserver.realtime.expiry import ExpiryTimer
from authserver.realtime.fanout import FanOut
from authserver.realtime.handler import socket_handler
from authserver.realtime.namespace import AuthNamespace, account_room, session_room
from authserver.realtime.origin_policy import origin_allowed
from authserver.realtime.presence import presence_board
from authserver.realtime.protocol import SocketServer
from authserver.realtime.rooms import Rooms
from authserver.services.admin.roles import ADMIN, role_of
from authserver.services.chat import gate
from authserver.services.context import Context
from authserver.services.sessions.cache import EndedChannel
from authserver.services.sessions.end_notices import EndNotices
from authserver.services.sessions.sweep import WriteWatch, ended_sessions
from contracts import events as ev

log = logging.getLogger(__name__)

MAX_SOCKET_MESSAGE = 64 * 1024
SWEEP_SECONDS = 0.5  # without Redis, the database is the only channel between processes
SAFETY_SWEEP_SECONDS = 60.0  # for endings no message (or, on SQLite, no write seen) carried
GOING_AWAY = 1001  # the WebSocket close code of a server that is stopping
CLOSE_WAIT_SECONDS = 2.0


class RealTime:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        settings = ctx.settings
        # Redis pub/sub ignores the database number: REDIS_PREFIX keeps deployments that
        # share a Redis off each other's channel.
        channel = f"{settings.redis_prefix}:socketio"
        manager = FanOut(settings.redis_url, channel=channel) if settings.redis_url else Rooms()
        self.sio = SocketServer(
            async_mode="tornado",
            client_manager=manager,
            cors_allowed_origins=lambda origin, environ: origin_allowed(
                origin, environ.get("HTTP_HOST", ""), settings.allowed_origins
            ),
            cors_credentials=True,
            max_http_buffer_size=MAX_SOCKET_MESSAGE,
            ping_interval=20,
            ping_timeout=20,
            logger=False,
            engineio_logger=False,
        )
        self.presence = presence_board(settings.redis_url, settings.redis_prefix)
        self.namespace = AuthNamespace(ctx, self.presence)
        self.sio.register_namespace(self.namespace)
        if isinstance(manager, FanOut):
            manager.on_resubscribed = self.namespace.catch_up
        ctx.session_listeners.append(self.end_session)
        ctx.account_listeners.append(self.tell_account)
        ctx.user_listeners.append(self.account_changed)
        self._sweeper: asyncio.Task | None = None
        self._expiries = ExpiryTimer(self._expired)
        self.namespace.session_joined = self._expiries.file
        self._websockets: set = set()  # the open WebSocket handlers, to close at stop
        self._websockets_gone = asyncio.Event()

    def routes(self) -> list[tuple]:
        handler: Any = socket_handler(  # a class made at run time
            self.sio,
            allowed_origins=self.ctx.settings.allowed_origins,
            polling_allowed=self.ctx.settings.workers == 1,
            ctx=self.ctx,
        )
        websockets, gone = self._websockets, self._websockets_gone

        class TrackedSocketHandler(handler):
            def open(self, *args, **kwargs):
                websockets.add(self)
                gone.clear()
                return super().open(*args, **kwargs)

            def on_close(self) -> None:
                websockets.discard(self)
                if not websockets:
                    gone.set()
                super().on_close()

        return [(r"/socket.io/", TrackedSocketHandler)]

    def start(self, ended_channel: EndedChannel | EndNotices | None = None) -> None:
        """Start ending sessions: with `ended_channel` (Redis, or PostgreSQL's notices),
        hear the others' endings on it, and pass over the database only as a safety
        net."""
        interval = SWEEP_SECONDS
        watch: WriteWatch | None = WriteWatch(self.ctx.settings.database_url)
        if ended_channel is not None:
            ended_channel.session_heard = self._heard_ended
            ended_channel.user_heard = self._heard_changed
            ended_channel.listening_again = self._heard_again
            interval, watch = SAFETY_SWEEP_SECONDS, None
        elif watch is not None and not watch.known:
            watch = None
        self._sweeper = asyncio.get_running_loop().create_task(
            self._sweep_forever(interval, watch))
        asyncio.get_running_loop().create_task(self.presence.start())

    async def close_sockets(self) -> None:
        """Say goodbye to every client: WebSockets get a close frame with 1001 (going
        away), long-polling clients a disconnect; then wait, briefly, for Engine.IO to let
        go of them, so their disconnect handlers run while the store is still open."""
        for websocket in list(self._websockets):
            websocket.close(GOING_AWAY, "The server is stopping.")
        for sid, _ in list(self.sio.manager.get_participants("/", None)):
            await self.sio.disconnect(sid, ignore_queue=True)
        if self._websockets:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._websockets_gone.wait(), CLOSE_WAIT_SECONDS)

    async def finish_events(self, grace: float) -> None:
        """Let socket events in flight finish within `grace` seconds; cancel the rest."""
        if self.sio.events_in_flight:
            await asyncio.wait(set(self.sio.events_in_flight), timeout=grace)
        for task in list(self.sio.events_in_flight):
            task.cancel()

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        self._expiries.stop()
        await self.sio.shutdown()
        await self.presence.stop()

    async def end_session(self, session_id: int, reason: str) -> None:
        """Tell every local socket of the session it is over, then disconnect it."""
        room = session_room(session_id)
        sids = [sid for sid, _ in self.sio.manager.get_participants("/", room)]
        if not sids:
            return
        notice = ev.SessionRevoked(reason=reason).model_dump()
        for sid in sids:
            await self.sio.emit("session_revoked", notice, to=sid)
            await self.sio.disconnect(sid)

    async def tell_account(self, user_id: int, event: str, body: dict) -> None:
        """`event` to every signed-in socket of the account, on every worker: the room
        is the manager's, so Redis carries it to the others."""
        await self.sio.emit(event, body, room=account_room(user_id))

    async def account_changed(self, user_id: int) -> None:
        """An account changed, here or in another process: its sockets here take its role
        as it is now. Asks the database only when this process holds one of them."""
        if not any(True for _ in self.sio.manager.get_participants("/", account_room(user_id))):
            return
        try:
            role = await role_of(self.ctx, user_id)
            if role is not None:  # a deleted account's sessions end, its sockets with them
                await self.namespace.take_role(user_id, role == ADMIN)
        except ServiceError as error:  # the database or Redis is away: the sweep sets it
            log.warning("could not give account %s's sockets its role: %s", user_id,
                        error.message)

    def _heard_changed(self, user_id: int) -> None:
        self.ctx.after_reply(self.account_changed(user_id))

    def _local_session_ids(self) -> list[int]:
        rooms = self.sio.manager.rooms.get("/", {})
        return [int(room.split(":", 1)[1]) for room in rooms if str(room).startswith("session:")]

    def _expired(self, session_id: int) -> None:
        self.ctx.after_reply(self.end_session(session_id, "Your session has ended: it expired."))

    def _heard_ended(self, session_id: int) -> None:
        self.ctx.after_reply(self.end_session(session_id, "Your session has ended."))

    def _heard_again(self) -> None:
        """The channel is back: what was announced while it was down is lost, so ask the
        database once."""
        self.ctx.after_reply(self._sweep_safely())

    async def _sweep_forever(self, interval: float, watch: WriteWatch | None) -> None:
        """Pass over the database every `interval` seconds, in batches of the local
        sessions.

        Without Redis on SQLite it is how a session ended by another process sharing the
        database reaches this one, so it looks every SWEEP_SECONDS, but asks the
        database only when it was written since the last look (`watch`), and once a
        minute besides, should a write ever go unseen. With Redis, or PostgreSQL's
        notices, the channel carries endings, and this pass runs once a minute only for
        what no message carried: an announcement whose publish failed (Redis unreachable
        for the sender alone, a server or `authserver users delete`), which the sender
        only logs. Endings missed while this process's own subscription was down are
        caught when it comes back (`_heard_again`).
        """
        loop = asyncio.get_running_loop()
        swept = loop.time()
        while True:
            await asyncio.sleep(interval)
            if (watch is not None and not watch.written()
                    and loop.time() - swept < SAFETY_SWEEP_SECONDS):
                continue
            swept = loop.time()
            await self._sweep_safely()

    async def _sweep_safely(self) -> None:
        try:
            await self._sweep()
        except Exception as exc:  # the next sweep tries again; the task must live
            log.warning("session sweep failed: %s", exc)

    async def _sweep(self) -> None:
        session_ids = self._local_session_ids()
        if not session_ids:
            return
        ended, admin_sessions = await ended_sessions(self.ctx, session_ids)
        for session_id in ended:
            await self.end_session(session_id, "Your session has ended.")
        gone = set(ended)
        for user_id in await self._roles_astray(
                [session_id for session_id in session_ids if session_id not in gone],
                admin_sessions):
            await self.account_changed(user_id)

    async def _roles_astray(self, live: list[int], admin_sessions: set[int]) -> set[int]:
        """The accounts of the sockets (of the `live` sessions) that hold another role
        than their account has now: a change no message brought here."""
        rooms = self.sio.manager.rooms.get("/", {})
        admins = rooms.get(gate.ADMINS, {})
        astray = set()
        for session_id in live:
            for sid in list(rooms.get(session_room(session_id), {})):
                if (sid in admins) != (session_id in admin_sessions):
                    astray.add((await self.namespace.get_session(sid))["user_id"])
        return astray
