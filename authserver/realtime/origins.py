"""The Tornado handler for /socket.io, with the origin check Engine.IO leaves open.

Engine.IO's Tornado handler accepts a WebSocket upgrade from any Origin unless given an
explicit list, and the server's own origin depends on the Host each request names. So
every request (WebSocket upgrade or long-polling) is checked here first: no Origin
(a non-browser client), our own origin, or one from ALLOWED_ORIGINS.

Each new Engine.IO connection (a request without a `sid`) also counts against the
client address's `socket_connect_ip` limit, before Engine.IO does any work for it, and
a WebSocket frame may be no larger than the Engine.IO buffer.
"""

from typing import Any

import socketio

from authserver.errors import ServiceError
from authserver.services import throttling
from authserver.web.base import send_refusal
from authserver.web.client import caller_of
from contracts import Status

POLLING_REFUSED = (
    "Long-polling needs sticky sessions, which this multi-worker server does not have. "
    "Connect with the websocket transport, or see the README's reverse-proxy example."
)


def origin_allowed(origin: str | None, host: str, allowed: tuple[str, ...]) -> bool:
    if origin is None:
        return True
    return origin in allowed or origin in (f"http://{host}", f"https://{host}")


TOO_MANY_CONNECTIONS = "Too many new connections from your address. Try again in {wait}."
# Room for the Engine.IO packet type and Socket.IO framing around a full-size payload.
FRAME_OVERHEAD = 1024


def socket_handler(
    sio: socketio.AsyncServer,
    *,
    allowed_origins: tuple[str, ...],
    polling_allowed: bool,
    ctx=None,
):
    base: Any = socketio.get_tornado_handler(sio)  # a class made at run time

    class SocketHandler(base):
        @property
        def max_message_size(self) -> int:
            # Tornado would buffer 10 MB frames before Engine.IO looks at their size.
            return sio.eio.max_http_buffer_size + FRAME_OVERHEAD

        def check_origin(self, origin: str) -> bool:
            return origin_allowed(origin, self.request.host, allowed_origins)

        async def prepare(self) -> None:
            origin = self.request.headers.get("Origin")
            if not origin_allowed(origin, self.request.host, allowed_origins):
                send_refusal(self, ServiceError(Status.PERMISSION_DENIED,
                                                f"{origin} may not open a socket here."))
            elif not polling_allowed and self.get_query_argument("transport", "") == "polling":
                send_refusal(self, ServiceError(Status.FAILED_PRECONDITION, POLLING_REFUSED))
            elif ctx is not None and not self.get_query_argument("sid", ""):
                caller = caller_of(self.request, ctx.settings.trusted_proxies, channel="socket")
                try:
                    await throttling.hit(
                        ctx, caller, "socket_connect_ip", caller.ip, TOO_MANY_CONNECTIONS
                    )
                except ServiceError as error:
                    send_refusal(self, error)

    return SocketHandler
