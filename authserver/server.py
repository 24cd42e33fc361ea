"""Running the server: build every part from the settings, serve, stop gracefully."""

import asyncio
import logging
import signal
import socket

from tornado.httpserver import HTTPServer

from authserver.mail.senders import ConsoleSender, SmtpSender
from authserver.mail.worker import MailWorker
from authserver.realtime.server import RealTime
from authserver.security.passwords import PasswordHasher
from authserver.security.ratelimit import RateLimiter
from authserver.services.context import Context
from authserver.settings import Settings
from authserver.store.database import Store
from authserver.store.migrations import migrate
from authserver.web.app import make_app
from authserver.web.webui import routes as webui_routes

log = logging.getLogger(__name__)

MAX_HTTP_BODY = 1024 * 1024
SHUTDOWN_GRACE_SECONDS = 10


def mail_sender(settings: Settings):
    if not settings.smtp_server:
        return ConsoleSender(settings.from_email)
    return SmtpSender(
        host=settings.smtp_server,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        sender=settings.from_email,
        timeout=settings.smtp_timeout,
    )


async def prepare_database(settings: Settings) -> None:
    """Create or upgrade the schema; run once before any worker serves."""
    store = Store(settings.database_url)
    try:
        await store.run(migrate, store.is_postgresql)
    finally:
        await store.close()


async def serve(settings: Settings, sockets: list[socket.socket]) -> None:
    """Serve on already-bound `sockets` until SIGTERM or SIGINT, then stop gracefully:
    stop accepting, let requests in flight finish, close sockets and the database."""
    store = Store(settings.database_url)
    passwords = PasswordHasher(settings.bcrypt_rounds)
    limiter = RateLimiter(
        redis_url=settings.redis_url,
        enabled=settings.rate_limits,
        overrides=settings.limits,
        scale=settings.rate_limit_scale,
        prefix=settings.rate_limit_prefix,
    )
    mail = MailWorker(store, mail_sender(settings))
    ctx = Context(
        settings=settings, store=store, passwords=passwords, limiter=limiter,
        mail_queued=mail.notify,
    )
    realtime = RealTime(ctx)
    app = make_app(ctx, [*realtime.routes(), *webui_routes()])
    http_server = HTTPServer(
        app,
        max_body_size=MAX_HTTP_BODY,
        max_header_size=16 * 1024,
        body_timeout=30,
        idle_connection_timeout=75,
    )
    http_server.add_sockets(sockets)
    mail.start()
    realtime.start()

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    log.info("serving on %s", ", ".join(_describe(sock) for sock in sockets))
    await stopping.wait()

    in_flight = app.settings["in_flight"]
    log.info("stopping: finishing %d request(s) in flight", in_flight.count)
    http_server.stop()
    in_flight.close()
    try:
        await asyncio.wait_for(in_flight.drained(), SHUTDOWN_GRACE_SECONDS)
        await asyncio.wait_for(ctx.background_done(), SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        log.warning("%d request(s) (and %d tasks after a reply) still running after %ss",
                    in_flight.count, len(ctx.background), SHUTDOWN_GRACE_SECONDS)
    await realtime.stop()
    await http_server.close_all_connections()
    await mail.stop()
    passwords.close()
    await store.close()
    log.info("stopped")


def _describe(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"
