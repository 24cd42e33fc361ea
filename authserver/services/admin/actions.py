"""What an administrator does to an account: disable and enable it, mark its address
verified, end its sessions, turn off its second factors, delete it. Each acts on the
database first, then ends the sockets of sessions it ended, then leaves an audit row.

The acts themselves (`disable`, `enable`, ...) take no admin session: the admin API calls
below check the caller's role first, and the operator's `authserver users` commands,
run by whoever holds the server's shell, use the same acts."""

from authserver.mail import outbox
from authserver.services.accounts.verification import mark_verified
from authserver.services.admin.access import record, target
from authserver.services.context import Caller, Context
from authserver.services.factors.totp import turn_off_two_step
from authserver.services.oauth import backchannel
from authserver.services.oauth import grants as oauth_grants
from authserver.services.registry import serves
from authserver.services.sessions import lifecycle as sessions
from authserver.store.models import ApprovalFactor, LoginChallenge, User, database_proxy, utcnow
from contracts import service as calls
from contracts.messages import AdminUserRequest, Notice

ENDED_BY_DISABLING = "This account was disabled by an administrator."


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
    admin = caller.signed_in
    user = await target(ctx, request.user_id, admin=admin)
    ended = await disable(ctx, user)
    await record(ctx, caller, admin, "disable_user", user, f"; {ended} sessions ended")
    return Notice(message=f"{user.username} is disabled: login is refused and "
                          f"{ended} session{'' if ended == 1 else 's'} ended.")


def _enable(user_id: int) -> None:
    User.update(disabled_at=None).where(User.id == user_id).execute()


async def enable(ctx: Context, user: User) -> None:
    await ctx.store.run(_enable, user.id)


@serves(calls.ADMIN_ENABLE_USER)
async def admin_enable_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = caller.signed_in
    user = await target(ctx, request.user_id)
    await enable(ctx, user)
    await record(ctx, caller, admin, "enable_user", user)
    return Notice(message=f"{user.username} is enabled: they can log in again.")


async def verify(ctx: Context, user: User) -> None:
    await ctx.store.run(mark_verified, user.id)


@serves(calls.ADMIN_VERIFY_USER)
async def admin_verify_user(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = caller.signed_in
    user = await target(ctx, request.user_id)
    await verify(ctx, user)
    await record(ctx, caller, admin, "verify_user", user)
    return Notice(message=f"The address of {user.username} counts as verified.")


async def end_sessions(ctx: Context, user: User) -> int:
    """End every session of the account (and its sockets); how many."""
    ended = await ctx.store.run(sessions.revoke_all, user.id)
    await sessions.ended(ctx, ended, "An administrator ended this session.")
    return len(ended)


@serves(calls.ADMIN_END_SESSIONS)
async def admin_end_sessions(ctx: Context, request: AdminUserRequest, caller: Caller) -> Notice:
    admin = caller.signed_in
    user = await target(ctx, request.user_id)
    ended = await end_sessions(ctx, user)
    await record(ctx, caller, admin, "end_sessions", user, f"; {ended} sessions ended")
    return Notice(message=f"Ended {ended} session{'' if ended == 1 else 's'} "
                          f"of {user.username}.")


def _remove_approval(user_id: int) -> int:
    return ApprovalFactor.delete().where(ApprovalFactor.user == user_id).execute()


async def reset_second_factors(ctx: Context, user: User) -> bool:
    """Turn off the account's second factors: approval from a signed-in device, and TOTP
    with its recovery codes the way its owner does (a notice is mailed); whether it had
    any."""
    approval = await ctx.store.run(_remove_approval, user.id)
    return await turn_off_two_step(ctx, user) or bool(approval)


@serves(calls.ADMIN_RESET_SECOND_FACTORS)
async def admin_reset_second_factors(ctx: Context, request: AdminUserRequest,
                                     caller: Caller) -> Notice:
    admin = caller.signed_in
    user = await target(ctx, request.user_id)
    had = await reset_second_factors(ctx, user)
    await record(ctx, caller, admin, "reset_second_factors", user)
    if not had:
        return Notice(message=f"{user.username} had no second factor.")
    return Notice(message=f"Two-step login of {user.username} is off: their password "
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
    admin = caller.signed_in
    user = await target(ctx, request.user_id, admin=admin)
    await delete(ctx, user)
    await record(ctx, caller, admin, "delete_user", user)
    return Notice(message=f"{user.username} is deleted; the username and address are free.")
