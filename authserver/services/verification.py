"""Email verification: check a code, and mail a new one on request.

A code allows MAX_ATTEMPTS evaluations. Each evaluation first reserves an attempt with a
conditional UPDATE, so even 50 concurrent guesses get at most MAX_ATTEMPTS compared.
"""

from authserver.errors import ServiceError, exhausted, invalid
from authserver.security.codes import code_digest, code_matches, new_code
from authserver.services import audit, throttling
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.services.signup import CODE_LIFETIME, queue_code_mail
from authserver.store.models import User, database_proxy, utcnow
from contracts import Status
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import Notice, ResendRequest, VerifyEmailRequest

MAX_ATTEMPTS = 5
RESEND_REPLY = (
    "If that address belongs to an account waiting for verification, "
    "a new code is on its way."
)


RESEND_TOO_SOON = "Please wait {wait} before asking for another code for this address."
RESEND_TOO_MANY_HERE = "Too many code requests from your address. Try again in {wait}."


def _wrong_code() -> ServiceError:
    return invalid("That code is not right. Check the latest mail we sent you.", field="code")


def _use_code(*, email_key: str, code: str, secret_key: str) -> User:
    user = User.get_or_none(User.email_key == email_key)
    if user is None:
        raise _wrong_code()
    if user.is_verified:
        raise ServiceError(
            Status.FAILED_PRECONDITION, "This email address is already verified. You can log in."
        )
    if user.verification_code is None or user.verification_code_expires is None:
        raise _wrong_code()
    if user.verification_code_expires <= utcnow():
        raise invalid("That code has expired. Ask for a new one.", field="code")
    reserved = (
        User.update(verification_attempts=User.verification_attempts + 1)
        .where(
            User.id == user.id,
            User.verification_code == user.verification_code,
            User.verification_attempts < MAX_ATTEMPTS,
        )
        .execute()
    )
    if not reserved:
        raise exhausted("Too many wrong codes. Ask for a new code.")
    if not code_matches(secret_key, email_key, code, user.verification_code):
        raise _wrong_code()
    used = (
        User.update(is_verified=True, verification_code=None, verification_code_expires=None)
        .where(User.id == user.id, User.verification_code == user.verification_code)
        .execute()
    )
    if not used:
        raise invalid("That code was already used.", field="code")
    return user


def _owner(email_key: str) -> User | None:
    return User.get_or_none(User.email_key == email_key)


@serves(calls.VERIFY_EMAIL)
async def verify_email(ctx: Context, request: VerifyEmailRequest, caller: Caller) -> Notice:
    email_key = lookup_key(request.email)
    try:
        user = await ctx.store.run(
            _use_code, email_key=email_key, code=request.code, secret_key=ctx.settings.secret_key
        )
    except ServiceError as error:
        # Guesses at an address with no account are not recorded: they cannot succeed,
        # and a row each would let anyone grow the table at will.
        if error.status is Status.UNAVAILABLE:
            raise
        owner = await ctx.store.run(_owner, email_key)
        if owner is not None and error.status is Status.RESOURCE_EXHAUSTED:
            # A dead code: logged like any throttling, once a minute, not once a guess.
            error.limit = "code_attempts"
            await throttling.refused(ctx, caller, error, f"code:{owner.id}", user=owner)
        elif owner is not None:
            await audit.record(ctx, "verify_failure", caller, user=owner, detail=error.message)
        raise
    await audit.record(ctx, "verify", caller, user=user)
    return Notice(message="Your email address is verified. You can log in now.")


def _replace_code(*, email_key: str, code: str, secret_key: str) -> User | None:
    """Give an unverified account a new code (the old one dies) and queue its mail."""
    with database_proxy.obj.atomic():
        replaced = (
            User.update(
                verification_code=code_digest(secret_key, email_key, code),
                verification_code_expires=utcnow() + CODE_LIFETIME,
                verification_attempts=0,
            )
            .where(User.email_key == email_key, User.is_verified == False)  # noqa: E712
            .execute()
        )
        if not replaced:
            return None
        user = User.get(User.email_key == email_key)
        queue_code_mail(recipient=user.email, username=user.username, code=code)
    return user


@serves(calls.RESEND_VERIFICATION)
async def resend_verification(ctx: Context, request: ResendRequest, caller: Caller) -> Notice:
    """Same reply whether or not the address exists, so it reveals nothing.

    The limits count requests for the address string, known or not, so a refusal says
    nothing about the address either; the sign-up mail does not count.
    """
    email_key = lookup_key(request.email)
    await throttling.hit(ctx, caller, "resend_ip", caller.ip, RESEND_TOO_MANY_HERE)
    await throttling.hit(ctx, caller, "resend_address", email_key, RESEND_TOO_SOON)
    queued = await ctx.store.run(
        _replace_code, email_key=email_key, code=new_code(), secret_key=ctx.settings.secret_key
    )
    if queued:
        ctx.mail_queued()
    await audit.record(ctx, "resend", caller, user=queued,
                       detail="code sent" if queued else "no account waiting")
    return Notice(message=RESEND_REPLY)
