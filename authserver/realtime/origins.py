"""The Tornado handler for /socket.io, with the origin check Engine.IO leaves open.

Engine.IO's Tornado handler accepts a WebSocket upgrade from any Origin unless given an
explicit list, and the server's own origin depends on the Host each request names. So
every request (WebSocket upgrade or long-polling) is checked here first: no Origin
(a non-browser client), our own origin, or one from ALLOWED_ORIGINS.

Each new Engine.IO connection (a request without a `sid`) also counts against the
client address's `socket_connect_ip` limit, before Engine.IO does any work for it, and
a WebSocket frame may be no larger than the Engine.IO buffer.
"""

import json

import socketio

from authserver.errors import ServiceError
from authserver.services import throttling
from authserver.services.context import Caller
from authserver.web.client import client_ip

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
    base = socketio.get_tornado_handler(sio)

    class SocketHandler(base):
        @property
        def max_message_size(self) -> int:
            # Tornado would buffer 10 MB frames before Engine.IO looks at their size.
            return sio.eio.max_http_buffer_size + FRAME_OVERHEAD

        def check_origin(self, origin: str) -> bool:
            return origin_allowed(origin, self.request.host, allowed_origins)

        def _refuse(self, status: int, message: str, code: str, retry_after=None) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            body = {"error": message, "code": code}
            if retry_after is not None:
                self.set_header("Retry-After", str(retry_after))
                body["retry_after"] = retry_after
            self.finish(json.dumps(body))

        async def prepare(self) -> None:
            origin = self.request.headers.get("Origin")
            if not origin_allowed(origin, self.request.host, allowed_origins):
                self._refuse(403, f"{origin} may not open a socket here.", "PERMISSION_DENIED")
            elif not polling_allowed and self.get_query_argument("transport", "") == "polling":
                self._refuse(400, POLLING_REFUSED, "FAILED_PRECONDITION")
            elif ctx is not None and not self.get_query_argument("sid", ""):
                caller = Caller(
                    ip=client_ip(self.request, ctx.settings.trusted_proxies),
                    user_agent=self.request.headers.get("User-Agent", "")[:300],
                    channel="socket",
                )
                try:
                    await throttling.hit(
                        ctx, caller, "socket_connect_ip", caller.ip, TOO_MANY_CONNECTIONS
                    )
                except ServiceError as error:
                    self._refuse(error.status.http_status, error.message, error.status.value,
                                 error.retry_after)

    return SocketHandler
