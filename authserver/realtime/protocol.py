"""The Socket.IO server class, with the packet handling python-socketio leaves open.

python-socketio trusts what arrives. A binary event may announce any number of
attachments and buffers them all, so a client can make the server hold megabytes in
64 KiB parts; a malformed frame (`4x`, `42[]`, `44`, a deeply nested array) raises inside
it and logs a traceback per frame; a handler still running when its socket closes
raises into a task nobody awaits; and every packet queued for a client that never polls
is kept. Here:

- binary packets and binary frames are refused (authserver sends and takes JSON only):
  an `error` event, then the connection is closed;
- a malformed packet gets an `error` event and one warning, at most one a LOG_EVERY
  seconds for the whole process; the MAX_PROTOCOL_ERRORS-th closes the connection;
- an event handler's failure is one rate-limited line, or nothing once its socket is
  gone;
- a client with MAX_QUEUED_PACKETS waiting for it is dropped instead of sent more.

Each override of a python-socketio private method names it and why; they were read
against python-socketio 5.18 and python-engineio 4.15.
"""

import asyncio
import logging
import time

import engineio.packet
import socketio
from socketio import packet

from authserver.errors import ServiceError
from authserver.realtime.engine import EngineServer
from contracts import Status

log = logging.getLogger(__name__)

MAX_PROTOCOL_ERRORS = 3
MAX_QUEUED_PACKETS = 256
LOG_EVERY = 10.0
INTERNAL = "Something went wrong on the server; try again."
BINARY_REFUSED = "Binary messages are not accepted: send JSON."
MALFORMED = "That was not a well-formed Socket.IO packet."


class ProtocolError(Exception):
    """A packet the server will not handle; `fatal` ones close the connection at once."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class RareLog:
    """One warning per `every` seconds at most, saying how many were held back since."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._next = 0.0
        self._held = 0

    def warning(self, message: str, *args) -> None:
        self._emit(logging.WARNING, message, args)

    def error(self, message: str, *args) -> None:
        self._emit(logging.ERROR, message, args)

    def _emit(self, level: int, message: str, args: tuple) -> None:
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return
        log.log(level, message + " (%d more like it not logged)", *args, self._held)
        self._next = now + self.every
        self._held = 0


def _decode(data) -> packet.Packet:
    """The Socket.IO packet in an Engine.IO message, or ProtocolError."""
    if not isinstance(data, str):
        raise ProtocolError(BINARY_REFUSED, fatal=True)
    try:
        decoded = packet.Packet(encoded_packet=data)
    except (ValueError, TypeError, RecursionError):
        raise ProtocolError(MALFORMED) from None
    if decoded.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
        raise ProtocolError(BINARY_REFUSED, fatal=True)
    if decoded.packet_type == packet.EVENT and not (
        isinstance(decoded.data, list) and decoded.data and isinstance(decoded.data[0], str)
    ):
        raise ProtocolError("An event is a JSON array that starts with the event's name.")
    if decoded.packet_type not in (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK):
        raise ProtocolError(MALFORMED)
    return decoded


# Frames refused before Engine.IO reads them (see handler.py) are logged here, as rarely.
frame_log = RareLog(LOG_EVERY)


class SocketServer(socketio.AsyncServer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._protocol_errors: dict[str, int] = {}
        self._protocol_log = RareLog(LOG_EVERY)
        self._handler_log = RareLog(LOG_EVERY)
        self.events_in_flight: set[asyncio.Task] = set()
        """The event handlers running now: a graceful stop lets them finish."""

    def _engineio_server_class(self):
        """Engine.IO's server with its Tornado driver adapted (see engine.py).
        (Overrides python-socketio's private choice of the Engine.IO server class.)"""
        return EngineServer

    async def _trigger_event(self, event, namespace, *args):
        """Every event handler, answered whatever happens inside it.

        A refusal (ServiceError) that escapes a handler, say the database or Redis being
        unavailable, becomes an `error` event and the ack; so does an unexpected error,
        which is logged as the bug it is. Without this, python-socketio leaves the
        handler's task failing unseen and the client without an answer. A refused
        `connect` refuses the connection. (Wraps python-socketio's private dispatch to
        the namespace's handlers.)
        """
        task = asyncio.current_task()
        if task is not None:
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
            if task is not None:
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

    async def _handle_eio_message(self, eio_sid: str, data) -> None:
        """Decode and dispatch one packet, refusing what `_decode` refuses.

        Replaces python-socketio's private Engine.IO message hook, which buffers binary
        attachments and lets decoding errors escape as tracebacks; the dispatch below
        is its own, less the binary branch.
        """
        socket = self.eio.sockets.get(eio_sid)
        if socket is None or socket.closed:
            return  # a dropped client: what it still sends would only queue answers
        try:
            pkt = _decode(data)
        except ProtocolError as error:
            await self._protocol_error(eio_sid, error)
            return
        namespace = pkt.namespace
        # python-socketio's private per-packet handlers, called as its own hook calls them.
        if pkt.packet_type == packet.CONNECT:
            await self._handle_connect(eio_sid, namespace, pkt.data)
        elif pkt.packet_type == packet.DISCONNECT:
            await self._handle_disconnect(eio_sid, namespace, self.reason.CLIENT_DISCONNECT)
        elif pkt.packet_type == packet.EVENT:
            await self._handle_event(eio_sid, namespace, pkt.id, pkt.data)
        else:
            await self._handle_ack(eio_sid, namespace, pkt.id, pkt.data)

    async def _protocol_error(self, eio_sid: str, error: ProtocolError) -> None:
        count = self._protocol_errors.get(eio_sid, 0) + 1
        self._protocol_errors[eio_sid] = count
        self._protocol_log.warning("socket %s: %s", eio_sid, error)
        sid = self.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is not None:
            body = ServiceError(Status.INVALID_ARGUMENT, str(error)).reply()
            await self.emit("error", body.model_dump(mode="json", exclude_none=True), to=sid)
        if error.fatal or count >= MAX_PROTOCOL_ERRORS:
            await self._drop(eio_sid)

    async def _drop(self, eio_sid: str) -> None:
        """Close an Engine.IO connection without waiting for the client to read.

        (`eio.disconnect` would wait for a polling client to fetch its queue, which a
        hostile one never does; the socket object's own `close(wait=False)` does not.)
        """
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and not socket.closed:
            await socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)

    async def _handle_event_internal(self, server, sid, eio_sid, data, namespace, id) -> None:
        """Run one event handler; what it raises is one line, not an orphaned task.

        Wraps python-socketio's private per-event task body, whose exceptions would
        otherwise end as "Task exception was never retrieved" (for example when the
        socket closed while the handler was still answering).
        """
        try:
            await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)
        except Exception as exc:
            if not self.manager.is_connected(sid, namespace):
                return  # the socket went away mid-event: nobody to answer
            self._handler_log.error("socket event %r failed: %r", data[0], exc)

    async def _send_packet(self, eio_sid: str, pkt) -> None:
        """Send, unless the client is too far behind (see `_behind`).

        Wraps python-socketio's private send path for one packet (acks, connects, the
        events sent to a single socket).
        """
        if not await self._behind(eio_sid):
            await super()._send_packet(eio_sid, pkt)

    async def _send_eio_packet(self, eio_sid: str, eio_pkt) -> None:
        """Send, unless the client is too far behind (see `_behind`).

        Wraps python-socketio's private send path for packets encoded once for many
        recipients (room broadcasts and emits through the client manager).
        """
        if not await self._behind(eio_sid):
            await super()._send_eio_packet(eio_sid, eio_pkt)

    async def _behind(self, eio_sid: str) -> bool:
        """Has the client MAX_QUEUED_PACKETS waiting unfetched? Then it is dropped.

        Engine.IO's queue for a client that never polls has no bound of its own. (Reads
        the size of that queue, an attribute of python-engineio's socket object.)
        """
        socket = self.eio.sockets.get(eio_sid)
        if socket is None or socket.queue.qsize() < MAX_QUEUED_PACKETS:
            return False
        self._protocol_log.warning("socket %s does not fetch its messages: closed", eio_sid)
        await self._drop(eio_sid)
        return True

    async def _handle_eio_disconnect(self, eio_sid: str, reason) -> None:
        """Answer a long-polling client's pending GET when its connection ends.

        Engine.IO leaves that request open until its timeout (25 s), and the Python client
        waits for it inside disconnect() or a refused connect(); a no-op packet lets both
        finish at once. (Overrides python-socketio's private hook for Engine.IO
        disconnects; it also forgets the connection's protocol errors.)
        """
        self._protocol_errors.pop(eio_sid, None)
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and not socket.upgraded:
            socket.queue.put_nowait(engineio.packet.Packet(engineio.packet.NOOP))
        await super()._handle_eio_disconnect(eio_sid, reason)
