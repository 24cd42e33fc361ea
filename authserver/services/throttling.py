"""Rate limits as the services use them: count or check a hit, and audit a refusal.

The limiter itself (security/ratelimit/) only counts and refuses; this module adds
what a refusal means to the service layer: it is written to the audit log, at most once
a minute per limit and key, so refusals cannot be turned into a flood of database
writes.
"""

from authserver.errors import ServiceError
from authserver.observability import metrics
from authserver.services import audit
from authserver.services.context import Caller, Context

THROTTLED_LOG_WINDOW = "1/minute"


async def hit(
    ctx: Context, caller: Caller, name: str, key: str, message: str, *, user=None
) -> None:
    """Count a hit on rate limit `name` under `key`; a refusal is audited, then raised."""
    try:
        await ctx.limiter.hit(name, key, message)
    except ServiceError as error:
        await _audit_refusal(ctx, caller, error, key, user=user)
        raise


async def check(
    ctx: Context, caller: Caller, name: str, key: str, message: str, *, user=None
) -> None:
    """Refuse, counting nothing, when rate limit `name` is spent for `key`; a refusal is
    audited, then raised."""
    try:
        await ctx.limiter.check(name, key, message)
    except ServiceError as error:
        await _audit_refusal(ctx, caller, error, key, user=user)
        raise


async def refused(
    ctx: Context, caller: Caller, error: ServiceError, key: str, *, user=None
) -> None:
    """Audit a refusal that is not the limiter's own (a code with no attempts left)."""
    limit = error.limit or "limit"
    if await ctx.limiter.first_in(THROTTLED_LOG_WINDOW, f"audit:{limit}:{key}"):
        detail = f"{limit}, retry after {error.retry_after}s"
        await audit.record(ctx, "throttled", caller, user=user, detail=detail)


async def _audit_refusal(
    ctx: Context, caller: Caller, error: ServiceError, key: str, *, user=None
) -> None:
    # A storage outage (503) is no refusal of the caller: only limits' own are audited.
    if error.limit is not None:
        metrics.THROTTLED.labels(error.limit).inc()
        await refused(ctx, caller, error, key, user=user)
