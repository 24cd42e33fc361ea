"""Email verification: check a code, and mail a new one on request.

Every wrong attempt gets one reply, whatever the address (unknown, verified, pending,
expired code), so the call tells nothing about who has an account. Wrong tries count
per code and client (security/codes.py) and per client across addresses. The client
that asked for the code (at sign-up or resend) has its own tries; each evaluation by
another client first reserves one of the code's MAX_TRIES_PER_CODE with a conditional
UPDATE, so even 50 concurrent guesses get at most that many compared, and never the
asker's.
"""

from authserver.errors import invalid
from authserver.security.codes import (
    CODE_CLIENT_LIMIT,
    MAX_TRIES_PER_CODE,
    asker,
    attempt_key,
    code_digest,
    code_matches,
    is_asker,
    new_code,
)
from authserver.services import audit, codes, throttling
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.store.models import User, database_proxy, utcnow
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import Notice, ResendRequest, VerifyEmailRequest

RESEND_REPLY = (
    "If that address belongs to an account waiting for verification, "
    "a new code is on its way."
)
WRONG_CODE = (
    "That code is not right, or it has expired or been used. Check the latest mail we sent "
    "you, or ask for a new code."
)
TOO_MANY_WRONG = "Too many wrong codes for this address from your address. Try again in {wait}."
TOO_MANY_CHECKS = "Too many code checks from your address. Try again in {wait}."
RESEND_TOO_SOON = "Please wait {wait} before asking for another code for this address."
RESEND_TOO_MANY_HERE = "Too many code requests from your address. Try again in {wait}."
FAILURE_AUDIT_WINDOW = "1/minute"


def _pending(email_key: str) -> User | None:
    """The account of this address, if it waits for verification with a live code."""
    user = User.get_or_none(User.email_key == email_key)
    if user is None or user.is_verified or user.verification_code is None:
        return None
    assert user.verification_code_expires is not None  # set together with the code
    if user.verification_code_expires <= utcnow():
        return None
    return user


def _use_code(*, user: User, email_key: str, code: str, secret_key: str, own: bool) -> bool:
    """Spend one try at the user's code; True when it matched and verified the account.
    The client that asked for the code (`own`) spends none of the others' shared tries."""
    stored = user.verification_code
    assert stored is not None  # `_pending` hands over only accounts with a code
    if not own:
        reserved = (
            User.update(verification_attempts=User.verification_attempts + 1)
            .where(
                User.id == user.id,
                User.verification_code == stored,
                User.verification_attempts < MAX_TRIES_PER_CODE,
            )
            .execute()
        )
        if not reserved:
            return False
    if not code_matches(secret_key, email_key, code, stored):
        return False
    return mark_verified(user.id, code=stored)


def mark_verified(user_id: int, *, code: str | None = None) -> bool:
    """The one way an account's address becomes verified (its code, an administrator, the
    operator): its code and the tries at it go too. Given `code`, only while that is
    still the account's code, so a code replaced or used meanwhile verifies nothing."""
    query = User.update(is_verified=True, verification_code=None,
                        verification_code_expires=None, verification_attempts=0,
                        unverified_at=None).where(User.id == user_id)
    if code is not None:
        query = query.where(User.verification_code == code)
    return bool(query.execute())


async def _failed(ctx: Context, caller: Caller, user: User | None, key: str) -> None:
    """Count a wrong try and audit it: at most once a minute per account and client, and
    never for an address with no account (a row per guess would let anyone grow the log)."""
    await ctx.limiter.count(CODE_CLIENT_LIMIT, key)
    if user is not None and await ctx.limiter.first_in(
        FAILURE_AUDIT_WINDOW, f"audit:verify_failure:{user.id}|{caller.client}"
    ):
        await audit.record(ctx, "verify_failure", caller, user=user, detail="wrong code")


@serves(calls.VERIFY_EMAIL)
async def verify_email(ctx: Context, request: VerifyEmailRequest, caller: Caller) -> Notice:
    email_key = lookup_key(request.email)
    await throttling.hit(ctx, caller, "verify_ip", caller.client, TOO_MANY_CHECKS)
    user = await ctx.store.run(_pending, email_key)
    key = attempt_key("verification", email_key,
                      user.verification_code if user is not None else None, caller.client)
    async with ctx.limiter.serial.hold(key):
        await throttling.check(ctx, caller, CODE_CLIENT_LIMIT, key, TOO_MANY_WRONG, user=user)
        verified = user is not None and await ctx.store.run(
            _use_code, user=user, email_key=email_key, code=request.code,
            secret_key=ctx.settings.secret_key,
            own=is_asker(user.verification_asker, caller.client, caller.device),
        )
        if not verified:
            await _failed(ctx, caller, user, key)
            raise invalid(WRONG_CODE, field="code")
    await audit.record(ctx, "verify", caller, user=user)
    return Notice(message="Your email address is verified. You can log in now.")


def _replace_code(
    *, email_key: str, code: str, secret_key: str, unverified_ttl_hours: float, asker: str
) -> User | None:
    """Give an unverified account a new code (the old one dies) and queue its mail."""
    with database_proxy.obj.atomic():
        replaced = (
            User.update(
                verification_code=code_digest(secret_key, email_key, code),
                verification_code_expires=utcnow() + codes.LIFETIMES[codes.VERIFICATION],
                verification_attempts=0,
                verification_asker=asker,
            )
            .where(User.email_key == email_key, User.is_verified == False)  # noqa: E712
            .execute()
        )
        if not replaced:
            return None
        user = User.get(User.email_key == email_key)
        codes.queue_verification_mail(
            recipient=user.email, username=user.username, code=code,
            unverified_ttl_hours=unverified_ttl_hours,
        )
    return user


@serves(calls.RESEND_VERIFICATION)
async def resend_verification(ctx: Context, request: ResendRequest, caller: Caller) -> Notice:
    """Same reply whether or not the address exists, so it reveals nothing.

    The limits count requests for the address string, known or not, so a refusal says
    nothing about the address either; the sign-up mail does not count.
    """
    email_key = lookup_key(request.email)
    await throttling.hit(ctx, caller, "resend_ip", caller.client, RESEND_TOO_MANY_HERE)
    await throttling.hit(ctx, caller, "resend_address", f"{email_key}|{caller.client}",
                         RESEND_TOO_SOON)
    await throttling.hit(ctx, caller, "code_address", f"verification:{email_key}",
                         RESEND_TOO_SOON)
    queued = await ctx.store.run(
        _replace_code, email_key=email_key, code=new_code(), secret_key=ctx.settings.secret_key,
        unverified_ttl_hours=ctx.settings.unverified_account_ttl_hours,
        asker=asker(caller.client, caller.device),
    )
    if queued:
        ctx.mail_queued()
    await audit.record(ctx, "resend", caller, user=queued,
                       detail="code sent" if queued else "no account waiting")
    return Notice(message=RESEND_REPLY)
