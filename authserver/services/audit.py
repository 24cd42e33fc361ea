"""The audit log: security events with time, user, client address and user agent.

Never a password, a code, a token or a hash: only what happened, to whom, from where.
A login name that matches no account is not kept either, since people sometimes type
their password into the name field.
"""

import logging

from authserver.errors import ServiceError
from authserver.services.context import Caller, Context
from authserver.store.models import AuditEvent

log = logging.getLogger(__name__)

EVENTS = frozenset({
    "signup", "verify", "verify_failure", "login_success", "login_failure", "throttled",
    "resend", "logout", "revoked",
    # the account lifecycle
    "password_reset_requested", "password_reset", "password_changed",
    "email_change_requested", "email_changed", "session_revoked", "account_deleted",
    "password_reset_failure", "reauth_failure",
    # the second factor
    "second_factor_required", "second_factor_failure", "recovery_code_used",
    "totp_enrolment_started", "totp_enabled", "totp_disabled", "recovery_codes_regenerated",
    # administrators' actions, on the account acted on
    "admin_list_users", "admin_show_user", "admin_disable_user", "admin_enable_user",
    "admin_verify_user", "admin_end_sessions", "admin_reset_second_factors",
    "admin_delete_user",
    # passkeys
    "passkey_added", "passkey_removed",
})
# A client hammering a closed limit is logged once a minute per limit and key, not per
# request, so refusals cannot be turned into a flood of database writes.
THROTTLED_LOG_WINDOW = "1/minute"


def _write(row: dict) -> None:
    AuditEvent.create(**row)


def event_row(event: str, caller: Caller, *, user=None, detail: str = "") -> dict:
    """The columns of one event; `user` is a stored User or None."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    return {
        "event": event,
        "user_id": user.id if user is not None else None,
        "username": user.username if user is not None else None,
        "ip": caller.ip[:64],
        "user_agent": caller.user_agent[:300],
        "detail": f"{caller.channel}: {detail}" if detail else caller.channel,
    }


async def record(ctx: Context, event: str, caller: Caller, *, user=None, detail: str = "") -> None:
    """Write one event; the reason of a refusal goes in `detail`, never a secret."""
    await ctx.store.run(_write, event_row(event, caller, user=user, detail=detail[:150]))
    log.info("audit %s user=%s ip=%s %s", event, user.id if user is not None else "-",
             caller.ip, detail)


async def throttled(
    ctx: Context, caller: Caller, error: ServiceError, key: str, *, user=None
) -> None:
    """Record a rate-limit refusal (at most once a minute per limit and key)."""
    limit = error.limit or "limit"
    if await ctx.limiter.first_in(THROTTLED_LOG_WINDOW, f"audit:{limit}:{key}"):
        detail = f"{limit}, retry after {error.retry_after}s"
        await record(ctx, "throttled", caller, user=user, detail=detail)


async def limit(
    ctx: Context, caller: Caller, name: str, key: str, message: str, *, user=None,
    count: bool = True,
) -> None:
    """Count a hit on rate limit `name` (or with count=False only check it); a refusal
    is recorded, then raised."""
    try:
        if count:
            await ctx.limiter.hit(name, key, message)
        else:
            await ctx.limiter.check(name, key, message)
    except ServiceError as error:
        if error.limit is not None:
            await throttled(ctx, caller, error, key, user=user)
        raise
