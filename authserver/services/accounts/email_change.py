"""Changing the account's address: a code goes to the new one, and the account keeps the
old address until that code comes back; then the old address is told where mail goes now.

The reply is the same whatever the new address: "a code is on its way". An address held
by a verified account gets no code but a mail telling its owner that someone tried to
move an account to it, so the call is no list of who has an account here; the account's
own limit is counted before anything else, the password check included. One held only
by an unverified account is not taken (nobody proved that mailbox): the change, once
proved, replaces that account, as a sign-up would. Once the change is made, a reset
code mailed to the old address dies with it.
"""

from peewee import IntegrityError

from authserver.errors import ServiceError, invalid
from authserver.mail import outbox
from authserver.mail.compose import (
    email_change_letter,
    email_changed_letter,
    email_move_refused_letter,
)
from authserver.services import audit, codes, throttling
from authserver.services.context import Caller, Context
from authserver.services.factors.proof import confirm_owner
from authserver.services.registry import serves
from authserver.store.models import AccountCode, User, database_proxy
from contracts import Status
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import ChangeEmailRequest, ConfirmEmailRequest, Notice

TOO_MANY_CHANGES = "Too many email changes asked. Try again in {wait}."


def _taken() -> ServiceError:
    return ServiceError(Status.ALREADY_EXISTS, "That email address is already taken.",
                        field="new_email")


def _held_by_verified(email_key: str, user_id: int) -> User | None:
    return User.get_or_none(
        User.email_key == email_key, User.is_verified == True, User.id != user_id  # noqa: E712
    )


def _request_change(*, user: User, new_email: str, secret_key: str) -> bool:
    """Mail a code to the new address, or, when a verified account holds it, a notice to
    that account's owner and no code; whether a code went."""
    with database_proxy.obj.atomic():
        holder = _held_by_verified(lookup_key(new_email), user.id)
        if holder is not None:
            outbox.queue(email_move_refused_letter(recipient=holder.email,
                                                   username=holder.username))
            return False
        code = codes.issue(user_id=user.id, purpose=codes.EMAIL_CHANGE, secret_key=secret_key,
                           new_email=new_email)
        outbox.queue(email_change_letter(
            recipient=new_email, username=user.username, code=code,
            hours_valid=codes.hours_valid(codes.EMAIL_CHANGE),
        ))
    return True


@serves(calls.CHANGE_EMAIL)
async def change_email(ctx: Context, request: ChangeEmailRequest, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    await throttling.hit(ctx, caller, "email_change_user", f"user:{signed_in.user.id}",
                         TOO_MANY_CHANGES, user=signed_in.user)
    user = await confirm_owner(ctx, caller, request)
    if lookup_key(request.new_email) == user.email_key:
        raise invalid("That is already your address.", field="new_email")
    sent = await ctx.store.run(_request_change, user=user, new_email=request.new_email,
                               secret_key=ctx.settings.secret_key)
    ctx.mail_queued()
    await audit.record(ctx, "email_change_requested", caller, user=user,
                       detail="" if sent else "address held by a verified account: no code")
    return Notice(
        message=f"A code is on its way to the new address, {request.new_email}. Enter it to "
                f"make that your address; until then it stays {user.email}."
    )


def _pending(user_id: int) -> bool:
    return AccountCode.select().where(
        AccountCode.user == user_id, AccountCode.purpose == codes.EMAIL_CHANGE
    ).exists()


def _apply_change(*, code: AccountCode, user_id: int) -> tuple[str, str]:
    """Use the code, put the new address in place of the old (and of an unverified
    account holding it), and mail the old address; returns (old, new)."""
    new_email = code.new_email
    assert new_email is not None  # an email-change code always holds its new address
    try:
        with database_proxy.obj.atomic():
            codes.consume(code)
            user = User.get_by_id(user_id)
            User.delete().where(
                User.email_key == lookup_key(new_email), User.is_verified == False,  # noqa: E712
                User.id != user_id,
            ).execute()
            User.update(email=new_email, email_key=lookup_key(new_email)).where(
                User.id == user_id
            ).execute()
            # a reset code went to the old address: it must not outlive the change
            AccountCode.delete().where(AccountCode.user == user_id,
                                       AccountCode.purpose == codes.PASSWORD_RESET).execute()
            outbox.queue(email_changed_letter(recipient=user.email, username=user.username,
                                              new_email=new_email))
    except IntegrityError:
        # proved by another account while this code waited
        raise _taken() from None
    return user.email, new_email


@serves(calls.CONFIRM_EMAIL)
async def confirm_email(ctx: Context, request: ConfirmEmailRequest, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    user = signed_in.user
    if not await ctx.store.run(_pending, user.id):
        raise ServiceError(Status.FAILED_PRECONDITION,
                           "No email change is waiting for a code. Ask for one first.")
    try:
        code = await ctx.store.run(codes.check, user_id=user.id, purpose=codes.EMAIL_CHANGE,
                                   code=request.code, secret_key=ctx.settings.secret_key)
        old, new = await ctx.store.run(_apply_change, code=code, user_id=user.id)
        await ctx.user_changed(user.id)
    except ServiceError as error:
        if error.status is Status.RESOURCE_EXHAUSTED:
            error.limit = "code_attempts"
            await throttling.refused(ctx, caller, error, f"email_change:{user.id}", user=user)
        raise
    ctx.mail_queued()
    await audit.record(ctx, "email_changed", caller, user=user)
    return Notice(message=f"Your address is now {new}. We told {old} about the change.")
