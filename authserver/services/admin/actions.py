"""What an administrator does to an account: disable and enable it, mark its address
verified, end its sessions, turn off its second factors, delete it. Each acts on the
database first, then ends the sockets of sessions it ended, then leaves an audit row.

The acts themselves (`disable`, `enable`, ...) take no admin session: the admin API calls
below check the caller's role first, and the operator's `authserver users` commands,
run by whoever holds the server's shell, use the same acts."""

from authserver.mail import outbox
from authserver.services.accounts.verification import mark_verified
from authserver.services.admin.access import act_on
from authserver.services.context import Caller, Context
from authserver.services.factors.totp import turn_off_two_step
from authserver.services.oauth import backchannel
from authserver.services.oauth import grants as oauth_grants
from authserver.services.registry import serves
from authserver.services.sessions import lifecycle as sessions
from authserver.store.models import (
    ApprovalFactor,
    LoginChallenge,
    Passkey,
    User,
    database_proxy,
    utcnow,
)
from contracts import service as calls
from contracts.messages import AdminResetFactorsRequest, AdminUserRequest, Notice

ENDED_BY_DISABLING = "This account was disabled by an administrator."


def _sessions_ended(ended: int) -> str:
    return f"; {ended} sessions ended"


def _disable(user_id: int) -> list[int]:
    with database_proxy.obj.atomic():
        User.update(disabled_at=utcnow()).where(
            User.id == user_id, User.disabled_at.is_null()).execute()
        LoginChallenge.delete().where(LoginChallenge.user == user_id).execute()
        # Enabling the account again does not bring apps' access back.
        backchannel.queue_for_grants(oauth_grants.end_for_user(user_id, "account_disabled"))
        return sessions.revoke_all(user_id)


async def disable(ctx: Context, user: User) -> int:
    """Refuse the account's logins and end its sessions (and their sockets); how many."""
    ended = await ctx.store.run(_disable, user.id)
    await sessions.ended(ctx, ended, ENDED_BY_DISABLING)
    return len(ended)


@serves(calls.ADMIN_DISABLE_USER)
async def admin_disable_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    user, ended = await act_on(ctx, request, caller, "disable_user", disable,
                               not_on_self=True, detail=_sessions_ended)
    return Notice(message=f"{user.username} is disabled: login is refused and "
                          f"{ended} session{'' if ended == 1 else 's'} ended.")


def _enable(user_id: int) -> None:
    User.update(disabled_at=None).where(User.id == user_id).execute()


async def enable(ctx: Context, user: User) -> None:
    await ctx.store.run(_enable, user.id)


@serves(calls.ADMIN_ENABLE_USER)
async def admin_enable_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    user, _ = await act_on(ctx, request, caller, "enable_user", enable)
    return Notice(message=f"{user.username} is enabled: they can log in again.")


async def verify(ctx: Context, user: User) -> None:
    await ctx.store.run(mark_verified, user.id)


@serves(calls.ADMIN_VERIFY_USER)
async def admin_verify_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    user, _ = await act_on(ctx, request, caller, "verify_user", verify)
    return Notice(message=f"The address of {user.username} counts as verified.")


def _unverify(user_id: int) -> None:
    User.update(is_verified=False, verification_code=None, verification_code_expires=None,
                verification_attempts=0, unverified_at=utcnow()).where(
        User.id == user_id).execute()


async def unverify(ctx: Context, user: User) -> None:
    """The address no longer counts as proven: login is refused until its owner enters a
    new code (login's refusal says how to get one). The account stays theirs meanwhile,
    and its sessions go on."""
    await ctx.store.run(_unverify, user.id)
    await ctx.user_changed(user.id)


@serves(calls.ADMIN_UNVERIFY_USER)
async def admin_unverify_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    user, _ = await act_on(ctx, request, caller, "unverify_user", unverify)
    return Notice(message=f"The address of {user.username} counts as unverified: they "
                          "must prove it with a new code before their next login.")


async def end_sessions(ctx: Context, user: User) -> int:
    """End every session of the account (and its sockets); how many."""
    ended = await ctx.store.run(sessions.revoke_all, user.id)
    await sessions.ended(ctx, ended, "An administrator ended this session.")
    return len(ended)


@serves(calls.ADMIN_END_SESSIONS)
async def admin_end_sessions(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    user, ended = await act_on(ctx, request, caller, "end_sessions", end_sessions,
                               detail=_sessions_ended)
    return Notice(message=f"Ended {ended} session{'' if ended == 1 else 's'} "
                          f"of {user.username}.")


def _remove_other_factors(user_id: int, passkeys: bool) -> int:
    """Approval from a signed-in device, and with `passkeys` the passkeys; how many."""
    with database_proxy.obj.atomic():
        removed = ApprovalFactor.delete().where(ApprovalFactor.user == user_id).execute()
        if passkeys:
            removed += Passkey.delete().where(Passkey.user == user_id).execute()
    return removed


async def reset_second_factors(ctx: Context, user: User, *, passkeys: bool = False) -> bool:
    """Turn off the account's second factors: approval from a signed-in device, TOTP with
    its recovery codes the way its owner does (a notice is mailed), and with `passkeys`
    its passkeys; whether it had any."""
    removed = await ctx.store.run(_remove_other_factors, user.id, passkeys)
    return await turn_off_two_step(ctx, user) or bool(removed)


@serves(calls.ADMIN_RESET_SECOND_FACTORS)
async def admin_reset_second_factors(ctx: Context, request: AdminResetFactorsRequest,
                                     caller: Caller) -> Notice:
    async def reset(ctx: Context, user: User) -> bool:
        return await reset_second_factors(ctx, user, passkeys=request.passkeys)

    user, had = await act_on(ctx, request, caller, "reset_second_factors", reset,
                             detail=lambda _: "; passkeys too" if request.passkeys else "")
    if not had:
        return Notice(message=f"{user.username} had no second factor"
                              f"{' or passkey' if request.passkeys else ''}.")
    removed = " and their passkeys are removed" if request.passkeys else ""
    return Notice(message=f"Two-step login of {user.username} is off{removed}: their password "
                          "alone logs them in. They were mailed a notice.")


def _delete(user_id: int) -> list[int]:
    with database_proxy.obj.atomic():
        outbox.forget_recipient(User.get_by_id(user_id).email)
        ended = sessions.revoke_all(user_id)
        backchannel.queue_for_user(user_id)  # before the delete cascades the grants away
        User.delete().where(User.id == user_id).execute()
    return ended


async def delete(ctx: Context, user: User) -> None:
    """Delete the account with its sessions (their sockets end), codes and chat (the
    database cascades); its username and address are free again."""
    ended = await ctx.store.run(_delete, user.id)
    await sessions.ended(ctx, ended, "This account was deleted by an administrator.")


@serves(calls.ADMIN_DELETE_USER)
async def admin_delete_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    user, _ = await act_on(ctx, request, caller, "delete_user", delete, not_on_self=True)
    return Notice(message=f"{user.username} is deleted; the username and address are free.")
