"""The Socket.IO server: its options, its Tornado route, ending revoked sessions, and
closing every socket properly when the server stops.

A session ends live: logout in this process reaches its sockets at once through the
context's session listener; a sweep every SWEEP_SECONDS also ends sockets whose session
expired or was revoked by another process.
"""

import asyncio
import contextlib
import logging

import engineio.packet
import socketio

from authserver.errors import ServiceError
from authserver.realtime.fanout import FanOut
from authserver.realtime.namespace import AuthNamespace, session_room
from authserver.realtime.origins import origin_allowed, socket_handler
from authserver.realtime.presence import presence_board
from authserver.services.context import Context
from authserver.store.models import Session, utcnow
from contracts import Status
from contracts import events as ev

log = logging.getLogger(__name__)

MAX_SOCKET_MESSAGE = 64 * 1024
SWEEP_SECONDS = 0.5
SWEEP_BATCH = 500
GOING_AWAY = 1001  # the WebSocket close code of a server that is stopping
CLOSE_WAIT_SECONDS = 2.0
INTERNAL = "Something went wrong on the server; try again."


def _ended_sessions(session_ids: list[int]) -> list[int]:
    """Those of `session_ids` that are no longer live: revoked, expired, or gone with their
    user (`authserver users delete`)."""
    live: set[int] = set()
    for start in range(0, len(session_ids), SWEEP_BATCH):
        batch = session_ids[start : start + SWEEP_BATCH]
        live.update(
            row.id
            for row in Session.select(Session.id).where(
                Session.id.in_(batch),
                Session.revoked_at.is_null(),
                Session.expires_at > utcnow(),
            )
        )
    return [session_id for session_id in session_ids if session_id not in live]


class _SocketServer(socketio.AsyncServer):
    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.events_in_flight: set[asyncio.Task] = set()

    async def _trigger_event(self, event, namespace, *args):
        """Every event handler, answered whatever happens inside it.

        A refusal (ServiceError) that escapes a handler, say the database or Redis being
        unavailable, becomes an `error` event and the ack; so does an unexpected error,
        which is logged as the bug it is. Without this, python-socketio leaves the
        handler's task failing unseen ("Task exception was never retrieved") and the
        client without an answer. A refused `connect` refuses the connection.
        """
        task = asyncio.current_task()
        self.events_in_flight.add(task)
        try:
            return await super()._trigger_event(event, namespace, *args)
        except asyncio.CancelledError:
            log.warning("socket event %r cancelled: the server is stopping", event)
            return None
        except ServiceError as error:
            return await self._answer_failure(event, namespace, args, error)
        except Exception:
            if event == "connect":  # python-socketio retries legacy handler signatures
                raise
            log.exception("socket event %r failed", event)
            return await self._answer_failure(
                event, namespace, args, ServiceError(Status.INTERNAL, INTERNAL)
            )
        finally:
            self.events_in_flight.discard(task)

    async def _answer_failure(self, event: str, namespace: str, args: tuple,
                              error: ServiceError):
        if event == "connect":
            raise socketio.exceptions.ConnectionRefusedError(error.message)
        if event == "disconnect":
            log.warning("socket disconnect not fully handled: %s", error.message)
            return None
        body = error.reply().model_dump(mode="json", exclude_none=True)
        await self.emit("error", body, to=args[0], namespace=namespace)
        return body

    async def _handle_eio_disconnect(self, eio_sid: str, reason) -> None:
        """Answer a long-polling client's pending GET when its connection ends.

        Engine.IO leaves that request open until its timeout (25 s), and the Python client
        waits for it inside disconnect() or a refused connect(); a no-op packet lets both
        finish at once. (Overrides python-socketio's hook for Engine.IO disconnects.)
        """
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and not socket.upgraded:
            socket.queue.put_nowait(engineio.packet.Packet(engineio.packet.NOOP))
        await super()._handle_eio_disconnect(eio_sid, reason)


class RealTime:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        settings = ctx.settings
        manager = FanOut(settings.redis_url) if settings.redis_url else None
        self.sio = _SocketServer(
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
        self.presence = presence_board(settings.redis_url)
        self.namespace = AuthNamespace(ctx, self.presence)
        self.sio.register_namespace(self.namespace)
        ctx.session_listeners.append(self.end_session)
        self._sweeper: asyncio.Task | None = None
        self._websockets: set = set()  # the open WebSocket handlers, to close at stop
        self._websockets_gone = asyncio.Event()

    def routes(self) -> list[tuple]:
        handler = socket_handler(
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

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
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

    def _local_session_ids(self) -> list[int]:
        rooms = self.sio.manager.rooms.get("/", {})
        return [int(room.split(":", 1)[1]) for room in rooms if str(room).startswith("session:")]

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self._sweep()
            except Exception as exc:  # the next sweep tries again; the task must live
                log.warning("session sweep failed: %s", exc)

    async def _sweep(self) -> None:
        session_ids = self._local_session_ids()
        if not session_ids:
            return
        ended = await self.ctx.store.run(_ended_sessions, session_ids)
        for session_id in ended:
            await self.end_session(session_id, "Your session has ended.")
