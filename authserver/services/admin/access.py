"""Who may make an admin call: a live session whose user has the admin role. Everyone
else is PERMISSION_DENIED, before anything is read; every call is counted against the
admin's own limit and leaves an audit row."""

from authserver.errors import ServiceError
from authserver.services import audit, throttling
from authserver.services.context import Caller, Context
from authserver.services.sessions.lifecycle import SignedIn, authenticate
from authserver.store.models import User
from contracts import Status

ADMIN = "admin"
TOO_MANY = "Too many admin calls. Try again in {wait}."


async def require_admin(ctx: Context, caller: Caller) -> SignedIn:
    signed_in = await authenticate(ctx, caller.token)
    if signed_in.user.role != ADMIN:
        raise ServiceError(Status.PERMISSION_DENIED,
                           "Only an administrator of this server may do that.")
    await throttling.hit(ctx, caller, "admin_user", str(signed_in.user.id), TOO_MANY,
                      user=signed_in.user)
    return signed_in


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


async def record(ctx: Context, caller: Caller, admin: SignedIn, action: str, user: User,
                 detail: str = "") -> None:
    """The audit row of an admin action: on the account acted on, naming the admin."""
    await audit.record(ctx, f"admin_{action}", caller, user=user,
                       detail=f"by {admin.user.username} (id {admin.user.id}){detail}")
