"""Sign-up: create the account, its first code and the mail carrying it, atomically."""

from datetime import datetime, timedelta

from peewee import IntegrityError

from authserver.errors import ServiceError, invalid
from authserver.security.codes import asker, code_digest, new_code
from authserver.security.lookalikes import skeleton
from authserver.security.password_policy import password_problem
from authserver.services import audit, codes, throttling
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.store.models import User, database_proxy, utcnow
from contracts import Status
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import SignupReply, SignupRequest


def _taken(field: str) -> ServiceError:
    wording = "username (or one that looks like it)" if field == "username" else field
    return ServiceError(
        Status.ALREADY_EXISTS, f"That {wording} is already taken.", field=field
    )


def _replaceable(email_key: str, expired_before: datetime):
    """Unverified accounts a sign-up may take the place of: the one holding its address
    (nobody proved that mailbox, so nobody can squat it), and any that outlived
    UNVERIFIED_ACCOUNT_TTL_HOURS (their usernames are free again). An account an
    administrator marked unverified is its owner's still, and is never replaced."""
    return (User.is_verified == False) & User.unverified_at.is_null() & (  # noqa: E712
        (User.email_key == email_key) | (User.created_at < expired_before)
    )


def _same_name(username: str):
    """The accounts holding this username or one that looks like it."""
    return (User.username_key == lookup_key(username)) | (
        User.username_skeleton == skeleton(username)
    )


def _which_is_taken(username: str, email_key: str, expired_before: datetime) -> str | None:
    """Which field another account holds (the name, one that looks like it, the address),
    unless a sign-up may replace that account."""
    free = _replaceable(email_key, expired_before)
    if User.select().where(_same_name(username), ~free).exists():
        return "username"
    if User.select().where(User.email_key == email_key, ~free).exists():
        return "email"
    return None


def _create_account(
    *, request: SignupRequest, password_hash: str, code: str, secret_key: str,
    unverified_ttl_hours: float, asker: str,
) -> tuple[User, int]:
    """Insert the user and queue its mail in one transaction, in the place of the
    unverified accounts it replaces (their codes die with them); returns the user and
    how many it replaced.

    The unique indexes decide races: of two signups with one name, one insert fails with
    IntegrityError, answered as 409, and the replaced accounts stay as they were.
    """
    email_key = lookup_key(request.email)
    expired_before = utcnow() - timedelta(hours=unverified_ttl_hours)
    try:
        with database_proxy.obj.atomic():
            replaced = User.delete().where(
                _same_name(request.username) | (User.email_key == email_key),
                _replaceable(email_key, expired_before),
            ).execute()
            user = User.create(
                username=request.username,
                username_key=lookup_key(request.username),
                username_skeleton=skeleton(request.username),
                email=request.email,
                email_key=email_key,
                password_hash=password_hash,
                verification_code=code_digest(secret_key, email_key, code),
                verification_code_expires=utcnow() + codes.LIFETIMES[codes.VERIFICATION],
                verification_asker=asker,
            )
            codes.queue_verification_mail(
                recipient=request.email, username=request.username, code=code,
                unverified_ttl_hours=unverified_ttl_hours,
            )
    except IntegrityError as exc:
        raise _taken("username" if "username" in str(exc) else "email") from None
    return user, replaced


TOO_MANY_SIGNUPS = "Too many sign-ups from your address. Try again in {wait}."


async def _refused(ctx: Context, caller: Caller, error: ServiceError) -> None:
    """A sign-up refused as taken uses the client's sign-up limit and is audited."""
    await ctx.limiter.count("signup_ip", caller.client)
    await audit.record(ctx, "signup_refused", caller, detail=f"{error.field} taken")


@serves(calls.SIGNUP)
async def signup(ctx: Context, request: SignupRequest, caller: Caller) -> SignupReply:
    problem = password_problem(request.password, username=request.username, email=request.email)
    if problem:
        raise invalid(problem, field="password")
    # Accounts created and sign-ups refused as taken both count, so probing which names
    # and addresses exist is as slow as creating accounts.
    # One at a time per address (per process), so a burst cannot pass the check together.
    async with ctx.limiter.serial.hold(f"signup:{caller.client}"):
        await throttling.check(ctx, caller, "signup_ip", caller.client, TOO_MANY_SIGNUPS)
        ttl = ctx.settings.unverified_account_ttl_hours
        try:
            taken = await ctx.store.run(
                _which_is_taken, request.username, lookup_key(request.email),
                utcnow() - timedelta(hours=ttl),
            )
            if taken:
                raise _taken(taken)
            password_hash = await ctx.passwords.hash(request.password)
            user, replaced = await ctx.store.run(
                _create_account,
                request=request,
                password_hash=password_hash,
                code=new_code(),
                secret_key=ctx.settings.secret_key,
                unverified_ttl_hours=ttl,
                asker=asker(caller.client, caller.device),
            )
        except ServiceError as error:
            if error.status is Status.ALREADY_EXISTS:
                await _refused(ctx, caller, error)
            raise
        await ctx.limiter.count("signup_ip", caller.client)
    ctx.mail_queued()
    await audit.record(ctx, "signup", caller, user=user,
                       detail=f"replaced {replaced} unverified account(s)" if replaced else "")
    return SignupReply(
        message="Account created. We sent a 6-digit code to your email address.",
        user_id=user.id,
    )
