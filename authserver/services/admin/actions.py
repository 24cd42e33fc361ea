"""What an administrator does to an account: disable and enable it, mark its address
verified, end its sessions, turn off its second factors, delete it. Each acts on the
database first, then ends the sockets of sessions it ended, then leaves an audit row."""

from authserver.mail import outbox
from authserver.mail.compose import totp_disabled_letter
from authserver.services import sessions
from authserver.services.admin.access import record, require_admin, target
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.store.models import (
    LoginChallenge,
    RecoveryCode,
    TotpFactor,
    User,
    database_proxy,
    utcnow,
)
from contracts import service as calls
from contracts.messages import AdminUserRequest, Notice

ENDED_BY_DISABLING = "This account was disabled by an administrator."


def _disable(user_id: int) -> list[int]:
    with database_proxy.obj.atomic():
        User.update(disabled_at=utcnow()).where(
            User.id == user_id, User.disabled_at.is_null()).execute()
        LoginChallenge.delete().where(LoginChallenge.user == user_id).execute()
        return sessions.revoke_all(user_id)


@serves(calls.ADMIN_DISABLE_USER)
async def admin_disable_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = await require_admin(ctx, caller)
    user = await target(ctx, request.user_id, admin=admin)
    ended = await ctx.store.run(_disable, user.id)
    await sessions.ended(ctx, ended, ENDED_BY_DISABLING)
    await record(ctx, caller, admin, "disable_user", user, f"; {len(ended)} sessions ended")
    return Notice(message=f"{user.username} is disabled: login is refused and "
                          f"{len(ended)} session{'' if len(ended) == 1 else 's'} ended.")


def _enable(user_id: int) -> None:
    User.update(disabled_at=None).where(User.id == user_id).execute()


@serves(calls.ADMIN_ENABLE_USER)
async def admin_enable_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = await require_admin(ctx, caller)
    user = await target(ctx, request.user_id)
    await ctx.store.run(_enable, user.id)
    await record(ctx, caller, admin, "enable_user", user)
    return Notice(message=f"{user.username} is enabled: they can log in again.")


def _verify(user_id: int) -> None:
    User.update(is_verified=True, verification_code=None, verification_code_expires=None,
                verification_attempts=0).where(User.id == user_id).execute()


@serves(calls.ADMIN_VERIFY_USER)
async def admin_verify_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = await require_admin(ctx, caller)
    user = await target(ctx, request.user_id)
    await ctx.store.run(_verify, user.id)
    await record(ctx, caller, admin, "verify_user", user)
    return Notice(message=f"The address of {user.username} counts as verified.")


@serves(calls.ADMIN_END_SESSIONS)
async def admin_end_sessions(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = await require_admin(ctx, caller)
    user = await target(ctx, request.user_id)
    ended = await ctx.store.run(sessions.revoke_all, user.id)
    await sessions.ended(ctx, ended, "An administrator ended this session.")
    await record(ctx, caller, admin, "end_sessions", user, f"; {len(ended)} sessions ended")
    return Notice(message=f"Ended {len(ended)} session{'' if len(ended) == 1 else 's'} "
                          f"of {user.username}.")


def _reset_factors(user: User) -> bool:
    with database_proxy.obj.atomic():
        had = TotpFactor.delete().where(TotpFactor.user == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        LoginChallenge.delete().where(LoginChallenge.user == user.id).execute()
        if had:
            outbox.queue(totp_disabled_letter(recipient=user.email, username=user.username))
    return bool(had)


@serves(calls.ADMIN_RESET_SECOND_FACTORS)
async def admin_reset_second_factors(ctx: Context, request: AdminUserRequest,
                                     caller: Caller) -> Notice:
    admin = await require_admin(ctx, caller)
    user = await target(ctx, request.user_id)
    had = await ctx.store.run(_reset_factors, user)
    ctx.mail_queued()
    await record(ctx, caller, admin, "reset_second_factors", user)
    if not had:
        return Notice(message=f"{user.username} had no second factor.")
    return Notice(message=f"Two-step login of {user.username} is off: their password "
                          "alone logs them in. They were mailed a notice.")


def _delete(user_id: int) -> list[int]:
    with database_proxy.obj.atomic():
        ended = sessions.revoke_all(user_id)
        User.delete().where(User.id == user_id).execute()
    return ended


@serves(calls.ADMIN_DELETE_USER)
async def admin_delete_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = await require_admin(ctx, caller)
    user = await target(ctx, request.user_id, admin=admin)
    ended = await ctx.store.run(_delete, user.id)
    await sessions.ended(ctx, ended, "This account was deleted by an administrator.")
    await record(ctx, caller, admin, "delete_user", user)
    return Notice(message=f"{user.username} is deleted; the username and address are free.")
