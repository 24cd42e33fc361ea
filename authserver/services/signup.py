"""Sign-up: create the account, its first code and the mail carrying it, atomically."""

from datetime import timedelta

from peewee import IntegrityError

from authserver.errors import ServiceError, invalid
from authserver.mail import outbox
from authserver.mail.compose import verification_letter
from authserver.security.codes import code_digest, new_code
from authserver.security.password_policy import password_problem
from authserver.services import audit, throttling
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.store.models import User, database_proxy, utcnow
from contracts import Status
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import SignupReply, SignupRequest

CODE_LIFETIME = timedelta(hours=24)


def _taken(field: str) -> ServiceError:
    return ServiceError(
        Status.ALREADY_EXISTS, f"That {field} is already taken.", field=field
    )


def _which_is_taken(username_key: str, email_key: str) -> str | None:
    if User.select().where(User.username_key == username_key).exists():
        return "username"
    if User.select().where(User.email_key == email_key).exists():
        return "email"
    return None


def queue_code_mail(*, recipient: str, username: str, code: str) -> None:
    """Queue the mail carrying a new code; call inside the transaction that stores it."""
    outbox.queue(
        verification_letter(
            recipient=recipient,
            username=username,
            code=code,
            hours_valid=int(CODE_LIFETIME.total_seconds() // 3600),
        )
    )


def _create_account(
    *, request: SignupRequest, password_hash: str, code: str, secret_key: str
) -> User:
    """Insert the user and queue its mail in one transaction.

    The unique indexes decide races: of two signups with one name, one insert fails with
    IntegrityError, answered as 409.
    """
    email_key = lookup_key(request.email)
    try:
        with database_proxy.obj.atomic():
            user = User.create(
                username=request.username,
                username_key=lookup_key(request.username),
                email=request.email,
                email_key=email_key,
                password_hash=password_hash,
                verification_code=code_digest(secret_key, email_key, code),
                verification_code_expires=utcnow() + CODE_LIFETIME,
            )
            queue_code_mail(recipient=request.email, username=request.username, code=code)
    except IntegrityError as exc:
        raise _taken("username" if "username_key" in str(exc) else "email") from None
    return user


TOO_MANY_SIGNUPS = "Too many sign-ups from your address. Try again in {wait}."


@serves(calls.SIGNUP)
async def signup(ctx: Context, request: SignupRequest, caller: Caller) -> SignupReply:
    problem = password_problem(request.password, username=request.username, email=request.email)
    if problem:
        raise invalid(problem, field="password")
    # Accounts created count, refused sign-ups do not: a hundred racing sign-ups for one
    # name create one account and use one sign-up of the address.
    # One at a time per address (per process), so a burst cannot pass the check together.
    async with ctx.limiter.serial.hold(f"signup:{caller.ip}"):
        await throttling.check(ctx, caller, "signup_ip", caller.ip, TOO_MANY_SIGNUPS)
        taken = await ctx.store.run(
            _which_is_taken, lookup_key(request.username), lookup_key(request.email)
        )
        if taken:
            raise _taken(taken)
        password_hash = await ctx.passwords.hash(request.password)
        user = await ctx.store.run(
            _create_account,
            request=request,
            password_hash=password_hash,
            code=new_code(),
            secret_key=ctx.settings.secret_key,
        )
        await ctx.limiter.count("signup_ip", caller.ip)
    ctx.mail_queued()
    await audit.record(ctx, "signup", caller, user=user)
    return SignupReply(
        message="Account created. We sent a 6-digit code to your email address.",
        user_id=user.id,
    )
