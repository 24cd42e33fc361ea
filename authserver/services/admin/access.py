"""What every admin call shares: the account it is about, and the audit row it leaves.
Who may make one (a live session with the admin role, counted against the admin's own
limit) the service table says and services/admission.py enforces."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from authserver.errors import ServiceError
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.sessions.lifecycle import SignedIn
from authserver.store.models import User
from contracts import Status
from contracts.messages import AdminUserRequest

Result = TypeVar("Result")


def _target(user_id: int) -> User | None:
    return User.get_or_none(User.id == user_id)


async def target(ctx: Context, user_id: int, *, admin: SignedIn | None = None) -> User:
    """The user an admin call is about; NOT_FOUND when there is none. Given `admin`, the
    caller may not be that user: an administrator does not disable or delete themselves
    by a slip of the mouse (their own Account page deletes their account)."""
    if admin is not None and admin.user.id == user_id:
        raise ServiceError(Status.FAILED_PRECONDITION,
                           "You cannot do that to your own account here.", field="user_id")
    user = await ctx.store.run(_target, user_id)
    if user is None:
        raise ServiceError(Status.NOT_FOUND, "There is no user with that id.", field="user_id")
    return user


def as_admin(caller: Caller) -> Caller:
    """The caller as the audit rows of acts shared with the operator's commands name it:
    the administrator by name, as those commands are named by their OS user."""
    return replace(caller, channel=f"{caller.channel} admin {caller.signed_in.user.username}")


async def record(ctx: Context, caller: Caller, admin: SignedIn, action: str, user: User,
                 detail: str = "") -> None:
    """The audit row of an admin action: on the account acted on, naming the admin."""
    await audit.record(ctx, f"admin_{action}", caller, user=user,
                       detail=f"by {admin.user.username} (id {admin.user.id}){detail}")


async def act_on(ctx: Context, request: AdminUserRequest, caller: Caller, action: str,
                 act: Callable[[Context, User], Awaitable[Result]], *,
                 not_on_self: bool = False,
                 detail: Callable[[Result], str] = lambda _: "") -> tuple[User, Result]:
    """The shape of every admin act: check (the caller's session, and with `not_on_self`
    that the account is not the caller's own), find the target, act, record. Returns the
    account and what `act` returned; `detail` turns that into the audit row's tail."""
    admin = caller.signed_in
    user = await target(ctx, request.user_id, admin=admin if not_on_self else None)
    result = await act(ctx, user)
    await record(ctx, caller, admin, action, user, detail(result))
    return user, result
