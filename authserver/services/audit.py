"""The audit log: security events with time, user, client address and user agent.

Never a password, a code, a token or a hash: only what happened, to whom, from where.
A login name that matches no account is not kept either, since people sometimes type
their password into the name field.
"""

import logging

from authserver.observability import metrics
from authserver.services.context import Caller, Context
from authserver.store.models import AuditEvent

log = logging.getLogger(__name__)

EVENTS = frozenset({
    "signup", "signup_refused", "verify", "verify_failure", "login_success", "login_failure",
    "throttled", "resend", "logout", "revoked",
    # the account lifecycle
    "password_reset_requested", "password_reset", "password_changed",
    "email_change_requested", "email_changed", "session_revoked", "account_deleted",
    "password_reset_failure", "reauth_failure",
    # by the operator, from the shell (the detail names their OS user)
    "admin_granted", "admin_revoked", "verified_by_operator", "accounts_imported",
    # the second factor
    "second_factor_required", "second_factor_failure", "recovery_code_used",
    "totp_enrolment_started", "totp_enabled", "totp_disabled", "recovery_codes_regenerated",
    # administrators' views, on the admin's own trail
    "admin_list_users", "admin_show_user", "admin_list_passkeys",
    # administrators' actions, on the account acted on
    "admin_disable_user", "admin_enable_user", "admin_verify_user", "admin_unverify_user",
    "admin_end_sessions", "admin_reset_second_factors", "admin_delete_user",
    "admin_grant_admin", "admin_revoke_admin", "admin_remove_passkey",
    # passkeys
    "passkey_added", "passkey_removed", "passkey_renamed",
    # the OpenID Provider: apps, grants, tokens, keys
    "oauth_client_created", "oauth_client_updated", "oauth_client_secret_rotated",
    "oauth_client_deleted", "oauth_client_auth_failure", "oauth_key_rotated",
    "oauth_authorized", "oauth_consent", "oauth_tokens_issued", "oauth_refreshed",
    "oauth_code_reused", "oauth_refresh_reused", "oauth_token_revoked", "oauth_logout",
    "oauth_grants_ended", "oauth_app_revoked", "oauth_device_approved",
    # approval from a signed-in device
    "approval_enabled", "approval_disabled", "approval_requested", "approval_approved",
    "approval_denied", "approval_wrong_number", "approval_expired",
    # outside OpenID Providers
    "provider_added", "provider_updated", "provider_removed", "provider_login",
    "provider_signup", "provider_linked", "provider_unlinked", "provider_refused",
    "provider_reauth",
})


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


def write(event: str, caller: Caller, *, user=None, detail: str = "") -> None:
    """`record` as a data function, for code already inside `ctx.store.run` (the OpenID
    Provider's synchronous grant code)."""
    _write(event_row(event, caller, user=user, detail=detail[:150]))
    metrics.audit_event(event, detail, caller.channel)
    log.info("audit %s user=%s ip=%s %s", event, user.id if user is not None else "-",
             caller.ip, detail)


async def record(ctx: Context, event: str, caller: Caller, *, user=None, detail: str = "") -> None:
    """Write one event; the reason of a refusal goes in `detail`, never a secret."""
    await ctx.store.run(write, event, caller, user=user, detail=detail)
