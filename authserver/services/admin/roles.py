"""The admin role, given and taken away: by an admin on the admin page (their current
password asked again) and by the operator's `authserver users grant-admin|revoke-admin`.
An admin cannot take their own role (the admin page refuses acts on oneself), and the
last admin keeps theirs, so the admin page always has someone who can open it."""

from authserver.errors import ServiceError
from authserver.services.admin.access import act_on
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.store.models import User, database_proxy
from contracts import Status
from contracts import service as calls
from contracts.messages import AdminActRequest, Notice

ADMIN, USER = "admin", "user"
LAST_ADMIN = ("{name} is the last admin: grant the role to someone else first, or nobody "
              "could open the admin page.")


def _set_role(user_id: int, role: str, is_postgresql: bool) -> bool:
    """Set the role; False (and nothing changed) when that would leave no admin. On
    PostgreSQL the admins' rows are locked while counting, so two admins taking each
    other's role at once cannot both succeed; SQLite has one writer anyway."""
    with database_proxy.obj.atomic():
        if role != ADMIN:
            admins = User.select(User.id).where(User.role == ADMIN)
            if is_postgresql:
                admins = admins.for_update()
            if [row.id for row in admins] == [user_id]:
                return False
        User.update(role=role).where(User.id == user_id).execute()
    return True


async def set_role(ctx: Context, user: User, role: str) -> bool:
    """Give `user` the role; whether they had another one. FAILED_PRECONDITION when this
    would take the role from the last admin. Every process forgets the account's cached
    details, so the change holds at the next request."""
    if not await ctx.store.run(_set_role, user.id, role, ctx.store.is_postgresql):
        raise ServiceError(Status.FAILED_PRECONDITION, LAST_ADMIN.format(name=user.username),
                           field="user_id")
    await ctx.user_changed(user.id)
    return user.role != role


def _role_of(user_id: int) -> str | None:
    row = User.select(User.role).where(User.id == user_id).first()
    return None if row is None else row.role


async def role_of(ctx: Context, user_id: int) -> str | None:
    """The account's role now; None when it is gone."""
    return await ctx.store.run(_role_of, user_id)


async def grant(ctx: Context, user: User) -> bool:
    return await set_role(ctx, user, ADMIN)


async def revoke(ctx: Context, user: User) -> bool:
    return await set_role(ctx, user, USER)


@serves(calls.ADMIN_GRANT_ADMIN)
async def admin_grant_admin(ctx: Context, request: AdminActRequest,
                            caller: Caller) -> Notice:
    user, changed = await act_on(ctx, request, caller, "grant_admin", grant)
    if not changed:
        return Notice(message=f"{user.username} is an admin already.")
    return Notice(message=f"{user.username} is now an admin.")


@serves(calls.ADMIN_REVOKE_ADMIN)
async def admin_revoke_admin(ctx: Context, request: AdminActRequest,
                             caller: Caller) -> Notice:
    user, changed = await act_on(ctx, request, caller, "revoke_admin", revoke,
                                 not_on_self=True)
    if not changed:
        return Notice(message=f"{user.username} was not an admin.")
    return Notice(message=f"{user.username} is no longer an admin.")
