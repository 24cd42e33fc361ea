"""Connect throttling: each new Engine.IO connection (a request without a `sid`) counts
against the client address's `socket_connect_ip` limit, before Engine.IO does any work
for it."""

from tornado.httputil import HTTPServerRequest

from authserver.services import throttling
from authserver.services.context import Context
from authserver.web.client import caller_of

TOO_MANY_CONNECTIONS = "Too many new connections from your address. Try again in {wait}."


async def count_connect(ctx: Context, request: HTTPServerRequest) -> None:
    """Count a new connection from `request`'s client; ServiceError once over the limit."""
    caller = caller_of(request, ctx.settings.trusted_proxies, channel="socket")
    await throttling.hit(ctx, caller, "socket_connect_ip", caller.client, TOO_MANY_CONNECTIONS)
