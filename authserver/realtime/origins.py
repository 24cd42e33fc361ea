"""The Tornado handler for /socket.io, with the origin check Engine.IO leaves open.

Engine.IO's Tornado handler accepts a WebSocket upgrade from any Origin unless given an
explicit list, and the server's own origin depends on the Host each request names. So
every request (WebSocket upgrade or long-polling) is checked here first: no Origin
(a non-browser client), our own origin, or one from ALLOWED_ORIGINS.
"""

import json

import socketio

POLLING_REFUSED = (
    "Long-polling needs sticky sessions, which this multi-worker server does not have. "
    "Connect with the websocket transport, or see the README's reverse-proxy example."
)


def origin_allowed(origin: str | None, host: str, allowed: tuple[str, ...]) -> bool:
    if origin is None:
        return True
    return origin in allowed or origin in (f"http://{host}", f"https://{host}")


def socket_handler(sio: socketio.AsyncServer, *, allowed_origins: tuple[str, ...], polling_allowed: bool):
    base = socketio.get_tornado_handler(sio)

    class SocketHandler(base):
        def check_origin(self, origin: str) -> bool:
            return origin_allowed(origin, self.request.host, allowed_origins)

        def _refuse(self, status: int, message: str, code: str) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps({"error": message, "code": code}))

        def prepare(self) -> None:
            origin = self.request.headers.get("Origin")
            if not origin_allowed(origin, self.request.host, allowed_origins):
                self._refuse(403, f"{origin} may not open a socket here.", "PERMISSION_DENIED")
            elif not polling_allowed and self.get_query_argument("transport", "") == "polling":
                self._refuse(400, POLLING_REFUSED, "FAILED_PRECONDITION")

    return SocketHandler
