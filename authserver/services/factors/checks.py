"""Checking a second factor: a TOTP code (each accepted once) or a recovery code (each
used once, audited and mailed). Shared by the login's second step and by turning TOTP
off.

Wrong codes are counted per client and, for clients without the account's device
cookie, against a wider account-wide cap (services/owner_guesses.py), and checked one at
a time per account, like passwords: six digits must not be guessable by trying many
logins, and whoever holds the password cannot lock the owner's codes.
"""

from collections.abc import Awaitable, Callable
from functools import lru_cache

from cryptography.fernet import InvalidToken

from authserver.errors import ServiceError, invalid
from authserver.mail import outbox
from authserver.mail.compose import recovery_code_used_letter
from authserver.security.codes import code_digest
from authserver.security.secretbox import SecretBox
from authserver.security.totp import matching_step, normal_recovery_code
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.owner_guesses import SECOND_FACTOR, counters
from authserver.settings import Settings
from authserver.store.models import RecoveryCode, TotpFactor, User, database_proxy, utcnow
from contracts import Status

RECOVERY = "recovery"
TOO_MANY_WRONG = "Too many wrong codes. Try again in {wait}."


UNREADABLE = ("This account's two-step login cannot be read any more: the server's secret "
              "key changed. Turn two-step login off and on again (your password alone "
              "turns it off now); ask an administrator if you cannot log in.")


@lru_cache(maxsize=4)
def secret_box(secret_key: str, previous: str | None = None) -> SecretBox:
    return SecretBox(secret_key, previous=previous)


def totp_box(settings: Settings) -> SecretBox:
    """The box TOTP secrets are sealed in: SECRET_KEY, and during a rotation the
    previous key to open what it sealed."""
    return secret_box(settings.secret_key, settings.secret_key_previous)


def readable(factor: TotpFactor, box: SecretBox) -> bool:
    """Whether the factor's secret opens with the server's keys."""
    try:
        box.open(factor.secret)
    except InvalidToken:
        return False
    return True


def recovery_digest(secret_key: str, user_id: int, code: str) -> str:
    return code_digest(secret_key, str(user_id), normal_recovery_code(code), RECOVERY)


def confirmed_totp(user_id: int) -> TotpFactor | None:
    return TotpFactor.get_or_none(TotpFactor.user == user_id,
                                  TotpFactor.confirmed_at.is_null(False))


def accept_totp(factor: TotpFactor, code: str, box: SecretBox) -> bool:
    """Whether `code` is the factor's code now and was not used before; a secret no key
    opens is FAILED_PRECONDITION (a clear refusal, not a crash).

    The step is recorded by a conditional UPDATE, so of two requests racing with one
    code only one is accepted.
    """
    try:
        secret = box.open(factor.secret)
    except InvalidToken:
        raise ServiceError(Status.FAILED_PRECONDITION, UNREADABLE, field="code") from None
    step = matching_step(secret, code)
    if step is None:
        return False
    return bool(
        TotpFactor.update(last_step=step)
        .where(TotpFactor.id == factor.id,
               TotpFactor.last_step.is_null() | (TotpFactor.last_step < step))
        .execute()
    )


def _use_recovery_code(user: User, code: str, secret_key: str) -> int | None:
    """Mark the code used and mail the owner; the codes left, or None if it is not an
    unused code of the account."""
    with database_proxy.obj.atomic():
        used = (
            RecoveryCode.update(used_at=utcnow())
            .where(RecoveryCode.user == user.id,
                   RecoveryCode.code_hash == recovery_digest(secret_key, user.id, code),
                   RecoveryCode.used_at.is_null())
            .execute()
        )
        if not used:
            return None
        left = unused_recovery_codes(user.id)
        outbox.queue(recovery_code_used_letter(recipient=user.email, username=user.username,
                                               left=left))
    return left


def unused_recovery_codes(user_id: int) -> int:
    return RecoveryCode.select().where(RecoveryCode.user == user_id,
                                       RecoveryCode.used_at.is_null()).count()


def _check_totp(user: User, code: str, box: SecretBox) -> bool:
    factor = confirmed_totp(user.id)
    return factor is not None and accept_totp(factor, code, box)


WRONG_TOTP = ("That code is not right, or was used already. Enter the code your "
              "authenticator app shows now.")
WRONG_RECOVERY_CODE = "That is not one of your unused recovery codes."


async def limited(ctx: Context, caller: Caller, user: User, attempt: Callable[[], Awaitable],
                  *, field: str, message: str):
    """What `attempt()` returns, unless that is None or False: a wrong try of a second
    factor, counted against the client's limits, audited, and refused on `field`."""
    limits = counters(ctx, caller, SECOND_FACTOR, user.id)
    async with ctx.limiter.serial.hold(f"second_factor:user:{user.id}"):
        await limits.check(ctx, caller, TOO_MANY_WRONG, user)
        result = await attempt()
        if result is not None and result is not False:
            return result
        await limits.count(ctx)
        await audit.record(ctx, "second_factor_failure", caller, user=user,
                           detail=f"wrong {field.replace('_', ' ')}")
        raise invalid(message, field=field)


async def check_factor(ctx: Context, caller: Caller, user: User, *, code: str | None,
                       recovery_code: str | None) -> str:
    """Accept the TOTP `code` or the `recovery_code` of `user`; the kind used. A wrong
    one is INVALID_ARGUMENT on its field and counts against the account's limit."""
    secret_key = ctx.settings.secret_key
    if code is not None:
        box = totp_box(ctx.settings)
        await limited(ctx, caller, user,
                      lambda: ctx.store.run(_check_totp, user, code, box),
                      field="code", message=WRONG_TOTP)
        return "totp"
    left = await limited(
        ctx, caller, user,
        lambda: ctx.store.run(_use_recovery_code, user, recovery_code, secret_key),
        field="recovery_code", message=WRONG_RECOVERY_CODE)
    ctx.mail_queued()
    await audit.record(ctx, "recovery_code_used", caller, user=user,
                       detail=f"{left} left")
    return "recovery_code"
