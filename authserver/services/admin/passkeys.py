"""An account's passkeys as an administrator sees them: listed, and removed one by one
(the admin's current password asked again); reset two-step can remove them all."""

from authserver.errors import ServiceError
from authserver.services.admin.access import act_on, record, target
from authserver.services.context import Caller, Context
from authserver.services.factors.passkeys import listed_passkeys, remove_passkey_of
from authserver.services.registry import serves
from authserver.store.models import User
from contracts import Status
from contracts import service as calls
from contracts.messages import AdminPasskeyRequest, AdminUserRequest, Notice, PasskeyList


@serves(calls.ADMIN_LIST_PASSKEYS)
async def admin_list_passkeys(ctx: Context, request: AdminUserRequest,
                              caller: Caller) -> PasskeyList:
    """A view, not an act: recorded in the admin's own trail, not the account's."""
    admin = caller.signed_in
    user = await target(ctx, request.user_id)
    passkeys = await listed_passkeys(ctx, user.id)
    await record(ctx, caller, admin, "list_passkeys", admin.user,
                 f": of {user.username} (id {user.id})")
    return PasskeyList(passkeys=passkeys)


@serves(calls.ADMIN_REMOVE_PASSKEY)
async def admin_remove_passkey(ctx: Context, request: AdminPasskeyRequest,
                               caller: Caller) -> Notice:
    async def remove(ctx: Context, user: User) -> None:
        if not await remove_passkey_of(ctx, user.id, request.passkey_id):
            raise ServiceError(Status.NOT_FOUND, f"{user.username} has no passkey with "
                               "that id.", field="passkey_id")

    user, _ = await act_on(ctx, request, caller, "remove_passkey", remove,
                           detail=lambda _: f"; passkey {request.passkey_id}")
    return Notice(message=f"The passkey is removed; it no longer logs {user.username} in.")
