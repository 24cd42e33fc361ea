"""Health (is the process and its database alive?) and readiness (should a load balancer
send it traffic?). Store.ping turns "no database" into UNAVAILABLE, a 503."""

from peewee import fn

from authserver import __version__
from authserver.errors import ServiceError
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.store.migrations import LATEST_VERSION
from authserver.store.models import SchemaVersion
from contracts import Status
from contracts import service as calls
from contracts.messages import Empty, Health, Ready

HEALTHY = Health(status="healthy", database="ok", version=__version__)


@serves(calls.HEALTH)
async def health(ctx: Context, request: Empty, caller: Caller) -> Health:
    await ctx.store.ping()
    return HEALTHY


def _schema_version() -> int:
    return SchemaVersion.select(fn.MAX(SchemaVersion.version)).scalar() or 0


def _not_ready(message: str) -> ServiceError:
    return ServiceError(Status.UNAVAILABLE, message, retry_after=5)


@serves(calls.READY)
async def ready(ctx: Context, request: Empty, caller: Caller) -> Ready:
    """A stopping server answers 503 before this runs (see web/base.py)."""
    await ctx.store.ping()
    version = await ctx.store.run(_schema_version)
    if version != LATEST_VERSION:
        raise _not_ready(f"The database schema is at version {version}, this server needs "
                         f"{LATEST_VERSION}.")
    if not ctx.mail_running():
        raise _not_ready("The mail sender is not running.")
    return Ready(status="ready", database="ok", migrations="current", mail="running")
