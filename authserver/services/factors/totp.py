"""The second factor from the Account page: start TOTP enrolment, confirm it with a
first code (which turns it on and gives ten recovery codes), make new recovery codes,
turn it off, and say what is on.

Every step asks for the current password again (services/factors/proof.py): a borrowed
session must not lock the owner out, nor take away the factor that protects them. Making
new recovery codes also takes a code from the app (or a recovery code), and each change
is mailed to the owner.

Turning two-step login off is one function (`turn_off_two_step`) for the owner and for
an administrator (services/admin/actions.py), so the two cannot drift apart.
"""

import asyncio

from authserver.errors import ServiceError
from authserver.mail import outbox
from authserver.mail.compose import totp_disabled_letter
from authserver.security.secretbox import SecretBox
from authserver.security.totp import (
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    qr_data_uri,
)
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.factors.approval import approval_on
from authserver.services.factors.checks import (
    WRONG_TOTP,
    accept_totp,
    confirmed_totp,
    limited,
    readable,
    recovery_digest,
    totp_box,
    unused_recovery_codes,
)
from authserver.services.factors.proof import confirm_owner, notify
from authserver.services.registry import serves
from authserver.store.models import (
    LoginChallenge,
    RecoveryCode,
    TotpFactor,
    User,
    database_proxy,
    utcnow,
)
from contracts import Status
from contracts import service as calls
from contracts.messages import (
    Empty,
    Notice,
    RecoveryCodes,
    RegenerateRecoveryCodesRequest,
    SecondFactorStatus,
    TotpConfirmRequest,
    TotpDisableRequest,
    TotpEnrolment,
    TotpEnrolRequest,
)

KEEP_THEM = ("Keep these recovery codes somewhere safe, away from your phone: each logs "
             "you in once if you lose the app. They are shown only now.")


def _not_on() -> ServiceError:
    return ServiceError(Status.FAILED_PRECONDITION,
                        "Two-step login is not on for this account.")


def _status(user_id: int) -> SecondFactorStatus:
    return SecondFactorStatus(totp=confirmed_totp(user_id) is not None,
                              recovery_codes_left=unused_recovery_codes(user_id),
                              approval=approval_on(user_id))


@serves(calls.SECOND_FACTOR_STATUS)
async def second_factor_status(ctx: Context, request: Empty, caller: Caller) -> SecondFactorStatus:
    signed_in = caller.signed_in
    return await ctx.store.run(_status, signed_in.user.id)


def _start(user_id: int, sealed: str) -> bool:
    """Store a pending secret in place of any earlier pending one; False when TOTP is on."""
    with database_proxy.obj.atomic():
        if confirmed_totp(user_id) is not None:
            return False
        TotpFactor.delete().where(TotpFactor.user == user_id).execute()
        TotpFactor.create(user=user_id, secret=sealed, created_at=utcnow())
    return True


@serves(calls.TOTP_ENROL)
async def totp_enrol(ctx: Context, request: TotpEnrolRequest, caller: Caller) -> TotpEnrolment:
    user = await confirm_owner(ctx, caller, request)
    secret = new_secret()
    if not await ctx.store.run(_start, user.id, totp_box(ctx.settings).seal(secret)):
        raise ServiceError(Status.FAILED_PRECONDITION,
                           "Two-step login is on already. Turn it off first to use a new app.")
    await audit.record(ctx, "totp_enrolment_started", caller, user=user)
    uri = provisioning_uri(secret, account=user.username, issuer=ctx.settings.app_name)
    return TotpEnrolment(
        message="Add this key to your authenticator app, then enter the code it shows.",
        secret=secret, otpauth_uri=uri,
        # About 8 ms of drawing: off the loop.
        qr_code=await asyncio.get_running_loop().run_in_executor(None, qr_data_uri, uri),
    )


def _replace_recovery_codes(user_id: int, secret_key: str) -> list[str]:
    """Ten new codes in place of the old ones; call inside a transaction."""
    codes = new_recovery_codes()
    RecoveryCode.delete().where(RecoveryCode.user == user_id).execute()
    RecoveryCode.insert_many([
        {"user": user_id, "code_hash": recovery_digest(secret_key, user_id, code),
         "created_at": utcnow()}
        for code in codes
    ]).execute()
    return codes


def _confirm(user_id: int, code: str, secret_key: str, box: SecretBox) -> list[str] | None:
    """Turn the pending factor on if `code` is its code now: the recovery codes, or None
    for a wrong code. FAILED_PRECONDITION when nothing is pending."""
    with database_proxy.obj.atomic():
        factor = TotpFactor.get_or_none(TotpFactor.user == user_id)
        if factor is None or factor.confirmed_at is not None:
            raise ServiceError(Status.FAILED_PRECONDITION,
                               "Start by adding a new key to your app (enrol) first.")
        if not accept_totp(factor, code, box):
            return None
        TotpFactor.update(confirmed_at=utcnow()).where(TotpFactor.id == factor.id).execute()
        return _replace_recovery_codes(user_id, secret_key)


@serves(calls.TOTP_CONFIRM)
async def totp_confirm(ctx: Context, request: TotpConfirmRequest, caller: Caller) -> RecoveryCodes:
    user = await confirm_owner(ctx, caller, request)
    codes = await limited(
        ctx, caller, user,
        lambda: ctx.store.run(_confirm, user.id, request.code, ctx.settings.secret_key,
                              totp_box(ctx.settings)),
        field="code", message=WRONG_TOTP)
    await audit.record(ctx, "totp_enabled", caller, user=user)
    await notify(ctx, user, "two-step login was turned on")
    return RecoveryCodes(message=f"Two-step login is on. {KEEP_THEM}", recovery_codes=codes)


def _regenerate(user_id: int, secret_key: str) -> list[str] | None:
    with database_proxy.obj.atomic():
        if confirmed_totp(user_id) is None:
            return None
        return _replace_recovery_codes(user_id, secret_key)


@serves(calls.REGENERATE_RECOVERY_CODES)
async def regenerate_recovery_codes(ctx: Context, request: RegenerateRecoveryCodesRequest,
                                    caller: Caller) -> RecoveryCodes:
    user = await confirm_owner(ctx, caller, request, factor=True)
    codes = await ctx.store.run(_regenerate, user.id, ctx.settings.secret_key)
    if codes is None:
        raise _not_on()
    await audit.record(ctx, "recovery_codes_regenerated", caller, user=user)
    await notify(ctx, user, "new recovery codes were made; the old ones work no more")
    return RecoveryCodes(message=f"New recovery codes; the old ones work no more. {KEEP_THEM}",
                         recovery_codes=codes)


def _turn_off(user: User) -> bool:
    """Remove the factor, its recovery codes and the login challenges waiting for it, and
    mail the notice; whether there was a factor."""
    with database_proxy.obj.atomic():
        had = TotpFactor.delete().where(TotpFactor.user == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        LoginChallenge.delete().where(LoginChallenge.user == user.id).execute()
        if had:
            outbox.queue(totp_disabled_letter(recipient=user.email, username=user.username))
    return bool(had)


async def turn_off_two_step(ctx: Context, user: User) -> bool:
    """Turn off the account's TOTP and recovery codes, by its owner or an administrator;
    whether it had them (only then is the owner mailed)."""
    had = await ctx.store.run(_turn_off, user)
    ctx.mail_queued()
    return had


@serves(calls.TOTP_DISABLE)
async def totp_disable(ctx: Context, request: TotpDisableRequest, caller: Caller) -> Notice:
    factor = await ctx.store.run(confirmed_totp, caller.signed_in.user.id)
    # A secret no key opens any more (SECRET_KEY changed) protects nothing and cannot be
    # proved: the password (or a passkey) alone turns it off, so its owner can turn it on
    # again.
    user = await confirm_owner(ctx, caller, request, factor=factor is not None and readable(
        factor, totp_box(ctx.settings)))
    if factor is None:
        raise _not_on()
    await turn_off_two_step(ctx, user)
    await audit.record(ctx, "totp_disabled", caller, user=user)
    return Notice(message="Two-step login is off: your password alone logs you in.")
