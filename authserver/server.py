"""Running the server: build every part from the settings, serve, stop gracefully."""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading

from tornado.httpserver import HTTPServer

from authserver import collector
from authserver.mail import sealing
from authserver.mail.senders import mail_sender
from authserver.mail.worker import MailWorker
from authserver.oauth import routes as oauth_routes
from authserver.observability import loop_errors
from authserver.realtime.server import RealTime
from authserver.security.passwords import PasswordHasher
from authserver.security.ratelimit.limiter import RateLimiter
from authserver.services.context import Context
from authserver.services.oauth import clients, keys
from authserver.services.oauth.logout_delivery import LogoutDelivery, session_listener
from authserver.services.sessions.cache import EndedChannel
from authserver.services.sessions.end_notices import EndNotices
from authserver.services.upkeep.retention import Pruner
from authserver.settings import Settings
from authserver.store.database import Store
from authserver.web.app import make_app
from authserver.web.inflight import InFlight
from authserver.web.metrics_endpoint import routes as metrics_routes
from authserver.web.providers import routes as provider_routes
from authserver.web.webui import load_bundle
from authserver.web.webui import routes as webui_routes

log = logging.getLogger(__name__)

MAX_HTTP_BODY = 1024 * 1024
# Requests, socket events and the mail send in flight may finish within the grace; what
# is left then is answered 503. Past the deadline the process ends whatever still runs.
SHUTDOWN_GRACE_SECONDS = 10
SHUTDOWN_DEADLINE_SECONDS = 20
FORCED_EXIT = 70  # EX_SOFTWARE


async def prepare_provider(settings: Settings) -> str | None:
    """Before serving: make the first signing key (not in the operator's commands: `db
    import` wants an empty database), and say what stops production serving apps (tokens
    name PUBLIC_URL as their issuer, so it must be known); None when all is well."""
    store = Store(settings.database_url)
    try:
        await keys.ensure_key(store, settings)
        if (settings.environment == "production" and not settings.public_url
                and await store.run(clients.any_registered)):
            return ("AUTHSERVER_ENV=production with registered apps needs PUBLIC_URL, the "
                    "issuer their tokens name: set it to this site's https origin.")
    finally:
        await store.close()
    return None


async def serve(settings: Settings, sockets: list[socket.socket]) -> None:
    """Serve on already-bound `sockets` until SIGTERM or SIGINT, then stop gracefully
    (see `_stop`)."""
    loop_errors.install(asyncio.get_running_loop())
    sealing.install(settings.secret_key, settings.secret_key_previous)
    keys.open_with_previous(settings.secret_key_previous)
    store = Store(settings.database_url)
    passwords = PasswordHasher(settings.bcrypt_rounds)
    limiter = RateLimiter(
        redis_url=settings.redis_url,
        enabled=settings.rate_limits,
        overrides=settings.limits,
        scale=settings.rate_limit_scale,
        prefix=settings.redis_prefix,
    )
    mail = MailWorker(store, mail_sender(settings))
    ctx = Context(
        settings=settings, store=store, passwords=passwords, limiter=limiter,
        mail_queued=mail.notify, mail_running=mail.running,
    )
    logouts = LogoutDelivery(store, settings)
    ctx.logouts_queued = logouts.notify
    ctx.session_listeners.append(session_listener(store, logouts.notify))
    realtime = RealTime(ctx)
    pruner = Pruner(ctx)
    bundle = load_bundle(app_name=settings.app_name)
    app = make_app(ctx, [*realtime.routes(), *metrics_routes(ctx), *webui_routes(bundle),
                         *oauth_routes(ctx, bundle.prefix),
                         *provider_routes(ctx, bundle.prefix)])
    http_server = HTTPServer(
        app,
        max_body_size=MAX_HTTP_BODY,
        max_header_size=16 * 1024,
        body_timeout=30,
        idle_connection_timeout=75,
    )
    http_server.add_sockets(sockets)
    ended_channel: EndedChannel | EndNotices | None = None
    if settings.redis_url:
        ended_channel = EndedChannel(settings.redis_url, settings.redis_prefix,
                                     ctx.live_sessions)
    elif store.is_postgresql:
        ended_channel = EndNotices(settings.database_url, store.origin)
    if ended_channel is not None:
        await ended_channel.start()
    mail.start()
    logouts.start()
    realtime.start(ended_channel)
    pruner.start()
    gc_probe = collector.tune()

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    log.info("serving on %s", ", ".join(_describe(sock) for sock in sockets))
    await stopping.wait()

    # Never cancelled: it covers the event loop's own teardown after we return as well.
    _hard_deadline(SHUTDOWN_DEADLINE_SECONDS)
    await pruner.stop()
    await _stop(http_server, app.settings["in_flight"], realtime, mail, ctx)
    await logouts.stop(SHUTDOWN_GRACE_SECONDS)
    if ended_channel is not None:
        await ended_channel.stop()
    passwords.close()
    await store.close()
    collector.untune(gc_probe)
    log.info("stopped")


async def _stop(http_server: HTTPServer, in_flight: InFlight, realtime: RealTime,
                mail: MailWorker, ctx: Context) -> None:
    """Turn new requests away (503: `/api/ready` says so to a load balancer, which a
    refused connection would not); close every socket properly (1001) so that no chat
    arrives at a closed store; let requests, socket events, work begun after a reply
    (a code being issued) and the mail in flight finish within the grace; answer what is
    left 503; only then stop listening."""
    log.info("stopping: finishing %d request(s) in flight", in_flight.count)
    ctx.stopping.set()
    in_flight.close()
    await realtime.close_sockets()
    await asyncio.gather(
        _drain(in_flight),
        _after_replies(ctx),
        realtime.finish_events(SHUTDOWN_GRACE_SECONDS),
        mail.stop(SHUTDOWN_GRACE_SECONDS),
    )
    http_server.stop()
    await realtime.stop()
    await http_server.close_all_connections()


async def _drain(in_flight: InFlight) -> None:
    try:
        await asyncio.wait_for(in_flight.drained(), SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        log.warning("%d request(s) still running after %ss; answering them 503",
                    in_flight.count, SHUTDOWN_GRACE_SECONDS)
        in_flight.cancel_remaining()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(in_flight.drained(), 1)


async def _after_replies(ctx: Context) -> None:
    try:
        await asyncio.wait_for(ctx.background_done(), SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        log.warning("%d task(s) begun after a reply still running after %ss",
                    len(ctx.background), SHUTDOWN_GRACE_SECONDS)


def _hard_deadline(seconds: float) -> None:
    """End the process `seconds` from now if it is still there: a daemon thread, so that
    it fires even if the event loop is stuck, and dies with a process that ended."""
    def expire() -> None:
        log.warning("shutdown took longer than %ss; exiting now", seconds)
        logging.shutdown()
        os._exit(FORCED_EXIT)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def _describe(sock: socket.socket) -> str:
    """A URL one can open: a wildcard address (0.0.0.0, ::) is reached as localhost."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
