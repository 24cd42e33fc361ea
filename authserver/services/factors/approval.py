"""Approval from signed-in devices, turned on and off from the Account page.

Both ask for the current password again, like TOTP's switches: a borrowed session must
neither add a factor that locks the owner out nor take away the one that protects
them. Either change is mailed, so the owner learns of one they did not make.
"""

from peewee import IntegrityError

from authserver.errors import ServiceError
from authserver.mail import outbox
from authserver.mail.compose import approval_toggled_letter
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.passwords.recheck import confirm_password
from authserver.services.registry import serves
from authserver.store.models import ApprovalFactor, User, database_proxy, utcnow
from contracts import Status
from contracts import service as calls
from contracts.messages import ApprovalToggleRequest, Notice


def approval_on(user_id: int) -> bool:
    return ApprovalFactor.select().where(ApprovalFactor.user == user_id).exists()


def _switch(user: User, on: bool) -> bool:
    """Turn approval on or off and queue the notice; False when it already was so."""
    with database_proxy.obj.atomic():
        if on:
            # The unique user column settles two requests racing to turn it on.
            changed = not approval_on(user.id)
            if changed:
                try:
                    with database_proxy.obj.atomic():
                        ApprovalFactor.create(user=user.id, created_at=utcnow())
                except IntegrityError:
                    changed = False
        else:
            changed = bool(ApprovalFactor.delete().where(ApprovalFactor.user == user.id)
                           .execute())
        if changed:
            outbox.queue(approval_toggled_letter(recipient=user.email,
                                                 username=user.username, on=on))
    return changed


async def _toggle(ctx: Context, request: ApprovalToggleRequest, caller: Caller,
                  on: bool) -> User:
    user = await confirm_password(ctx, caller, caller.signed_in, request.current_password)
    if not await ctx.store.run(_switch, user, on):
        state = "on" if on else "off"
        raise ServiceError(Status.FAILED_PRECONDITION,
                           f"Approval from your signed-in devices is {state} already.")
    ctx.mail_queued()
    await audit.record(ctx, "approval_enabled" if on else "approval_disabled", caller,
                       user=user)
    return user


@serves(calls.APPROVAL_ENABLE)
async def approval_enable(ctx: Context, request: ApprovalToggleRequest,
                          caller: Caller) -> Notice:
    await _toggle(ctx, request, caller, on=True)
    return Notice(message="On: a sign-in from a new device now waits for you to pick its "
                          "number on a device you are signed in on.")


@serves(calls.APPROVAL_DISABLE)
async def approval_disable(ctx: Context, request: ApprovalToggleRequest,
                           caller: Caller) -> Notice:
    await _toggle(ctx, request, caller, on=False)
    return Notice(message="Off: new devices no longer ask your signed-in devices.")
