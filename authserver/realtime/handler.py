"""The Tornado handler for /socket.io: what Engine.IO leaves open, closed before it runs.

Every request passes, before Engine.IO sees it, the origin policy (origin_policy.py),
the frame checks (frames.py) and, for a new connection, the connect throttle
(connect_throttle.py). Engine.IO also answers JSONP polling (`j=`): a `<script>` tag on
any same-site page (another port, a sibling subdomain) would send our SameSite=Strict
cookie without an Origin and read the reply, sid included. JSONP is refused, and a
polling request for an existing sid must carry the session cookie its handshake carried
(or none if it had none), so a sid learnt elsewhere is no use without the cookie.

A WebSocket frame may be no larger than the Engine.IO buffer. Replies carry the same
security headers as the rest of the site, and a WebSocket client that stops reading is
dropped once OUTGOING_BUFFER_BYTES wait for it, rather than buffered without end.
"""

from typing import Any

import socketio
import tornado.websocket

from authserver.errors import ServiceError
from authserver.realtime.connect_throttle import count_connect
from authserver.realtime.frames import (
    MALFORMED_PAYLOAD,
    engineio_frame_ok,
    engineio_payload_ok,
)
from authserver.realtime.lean_queue import LeanQueue
from authserver.realtime.origin_policy import origin_allowed, session_cookie
from authserver.realtime.protocol import frame_log
from authserver.web.base import send_refusal
from authserver.web.headers import apply_security_headers
from contracts import Status

POLLING_REFUSED = (
    "Long-polling needs sticky sessions, which this multi-worker server does not have. "
    "Connect with the websocket transport, or see docs/operations.md#scale-out."
)
JSONP_REFUSED = "JSONP polling is not served: connect with the websocket or polling transport."
CONNECTION_ENDED = "This connection has ended: connect again."
COOKIE_CHANGED = "This connection belongs to another session: reconnect."
SERVER_STOPPING = "The server is restarting; connect again in a moment."
# Room for the Engine.IO packet type and Socket.IO framing around a full-size payload.
FRAME_OVERHEAD = 1024
# What Tornado may hold for a WebSocket client that does not read: past it, the
# connection is closed.
OUTGOING_BUFFER_BYTES = 1024 * 1024


def socket_handler(
    sio: socketio.AsyncServer,
    *,
    allowed_origins: tuple[str, ...],
    polling_allowed: bool,
    ctx=None,
):
    base: Any = socketio.get_tornado_handler(sio)  # a class made at run time

    class SocketHandler(base):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            # The driver's queue of received frames, as a LeanQueue (see lean_queue.py).
            self.receive_queue = LeanQueue()

        @property
        def max_message_size(self) -> int:
            # Tornado would buffer 10 MB frames before Engine.IO looks at their size.
            return sio.eio.max_http_buffer_size + FRAME_OVERHEAD

        def check_origin(self, origin: str) -> bool:
            return origin_allowed(origin, self.request.host, allowed_origins)

        _unsent = 0  # bytes written to this WebSocket and not yet flushed to the client
        _stream = None  # the WebSocket's stream, to let go of its error once closed

        def open(self, *args, **kwargs):
            self._stream = self.ws_connection.stream if self.ws_connection else None
            return super().open(*args, **kwargs)

        def on_close(self) -> None:
            """Drop the traceback of the error that closed the stream (a reset
            connection): it holds the stream's frames, which hold the stream, a cycle
            that would keep the whole connection for the cyclic collector."""
            stream, self._stream = self._stream, None
            if stream is not None and stream.error is not None:
                stream.error.__traceback__ = None
            super().on_close()

        def write_message(self, message, binary: bool = False):
            """Write a frame, unless OUTGOING_BUFFER_BYTES already wait for the client:
            then close the connection (Tornado aborts it 5 s later if the client does not
            answer the close) and refuse the frame as if it were closed.

            Engine.IO writes without waiting for the returned future, so this is the
            one place that sees how much a client has left unread.
            """
            if self._unsent > OUTGOING_BUFFER_BYTES:
                frame_log.warning("closed a WebSocket whose client stopped reading")
                self.close(1008, "too much unread")
                raise tornado.websocket.WebSocketClosedError()
            flushed = super().write_message(message, binary=binary)
            size = len(message)
            self._unsent += size
            flushed.add_done_callback(lambda done: self._flushed(done, size))
            return flushed

        def _flushed(self, done, size: int) -> None:
            self._unsent -= size
            if not done.cancelled():
                done.exception()  # a frame lost to a closed connection is not an error

        async def on_message(self, message: str | bytes) -> None:
            if self.ws_connection is None or self.ws_connection.is_closing():
                return  # closed by us (see write_message): its frames are not read
            if not engineio_frame_ok(message):
                frame_log.warning("closed a WebSocket that sent a frame Engine.IO cannot read")
                self.close(1002, "not an Engine.IO packet")
                return
            await super().on_message(message)

        def _refuse(self, status: Status, message: str) -> None:
            send_refusal(self, ServiceError(status, message))

        def _ended(self, sid: str) -> bool:
            # Engine.IO answers a POST for a socket it has closed with a KeyError (a 500).
            socket = sio.eio.sockets.get(sid)
            return socket is not None and socket.closed

        def _cookie_changed(self, sid: str) -> bool:
            # `sio.environ` (python-socketio's public-by-name map of Engine.IO sid to
            # the handshake's environ) is where the handshake's cookie is kept.
            handshake = sio.environ.get(sid)
            if handshake is None:
                return False  # unknown sid: Engine.IO answers it
            current = session_cookie({"HTTP_COOKIE": self.request.headers.get("Cookie", "")})
            return current != session_cookie(handshake)

        async def prepare(self) -> None:
            apply_security_headers(self)
            origin = self.request.headers.get("Origin")
            transport = self.get_query_argument("transport", "polling")
            sid = self.get_query_argument("sid", "")
            if self.application.settings["in_flight"].closing:
                self._refuse(Status.UNAVAILABLE, SERVER_STOPPING)
            elif not origin_allowed(origin, self.request.host, allowed_origins):
                self._refuse(Status.PERMISSION_DENIED, f"{origin} may not open a socket here.")
            elif "j" in self.request.query_arguments:
                self._refuse(Status.INVALID_ARGUMENT, JSONP_REFUSED)
            elif not polling_allowed and transport == "polling":
                self._refuse(Status.FAILED_PRECONDITION, POLLING_REFUSED)
            elif sid and self._ended(sid):
                self._refuse(Status.FAILED_PRECONDITION, CONNECTION_ENDED)
            elif sid and self._cookie_changed(sid):
                self._refuse(Status.PERMISSION_DENIED, COOKIE_CHANGED)
            elif self.request.method == "POST" and not engineio_payload_ok(self.request.body):
                frame_log.warning("refused a long-polling POST Engine.IO cannot read")
                self._refuse(Status.INVALID_ARGUMENT, MALFORMED_PAYLOAD)
            elif ctx is not None and not sid:
                try:
                    await count_connect(ctx, self.request)
                except ServiceError as error:
                    send_refusal(self, error)

    return SocketHandler
