"""A forgotten password (a mailed reset code) and a changed one (the current password).

Both end sessions: a reset ends every session of the account, since whoever held the old
password may hold one; a change ends every session but the one asking. Both end the
login challenges waiting for a second factor, opened with the old password. Both mail a
notice, so an owner sees a change they did not make; a reset's notice and reply also list
the passkeys and second factors that still log in, so the owner can remove one they do
not know. A reset proves the mailbox, so it lifts the account's login, second-factor and
password re-check counters (those of the resetting client and the account-wide caps).
"""

import logging

from authserver.errors import ServiceError, invalid
from authserver.mail import outbox
from authserver.mail.compose import password_changed_letter, password_reset_letter, reset_summary
from authserver.security.codes import CODE_CLIENT_LIMIT, MAX_TRIES_PER_CODE, attempt_key
from authserver.security.codes import asker as code_asker
from authserver.security.password_policy import password_problem
from authserver.services import audit, codes, owner_guesses, throttling
from authserver.services.accounts.verification import mark_verified
from authserver.services.context import Caller, Context
from authserver.services.oauth import backchannel
from authserver.services.oauth import grants as oauth_grants
from authserver.services.passwords.recheck import confirm_password
from authserver.services.registry import serves
from authserver.services.sessions import lifecycle as sessions
from authserver.store.models import (
    AccountCode,
    ApprovalFactor,
    LoginChallenge,
    Passkey,
    RecoveryCode,
    TotpFactor,
    User,
    database_proxy,
)
from contracts import Status
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import (
    ChangePasswordRequest,
    ForgotPasswordRequest,
    Notice,
    ResetPasswordReply,
    ResetPasswordRequest,
)

log = logging.getLogger(__name__)

FORGOT_REPLY = (
    "If that address belongs to an account, a 6-digit reset code is on its way. "
    f"It is valid for {codes.minutes_valid(codes.PASSWORD_RESET)} minutes."
)
FORGOT_TOO_SOON = "Please wait {wait} before asking for another reset code for this address."
FORGOT_TOO_MANY_HERE = "Too many reset codes asked from your address. Try again in {wait}."
RESET_TOO_MANY_HERE = "Too many password resets tried from your address. Try again in {wait}."
WRONG_RESET_CODES = "Too many wrong codes for this address from your address. Try again in {wait}."


def _owner(email_key: str) -> User | None:
    return User.get_or_none(User.email_key == email_key)


def _issue_reset(*, email_key: str, secret_key: str, asker: str) -> User | None:
    """A reset code for the account of the address, mailed; None (and no mail) when no
    account has it. An unverified account gets one too: the reset proves the mailbox."""
    user = _owner(email_key)
    if user is None:
        return None
    # A transaction's first statement writes, so SQLite takes its write lock at the start
    # (waiting its turn) rather than failing to upgrade a read made stale meanwhile.
    with database_proxy.obj.atomic():
        code = codes.issue(user_id=user.id, purpose=codes.PASSWORD_RESET, secret_key=secret_key,
                           asker=asker)
        outbox.queue(password_reset_letter(
            recipient=user.email, username=user.username, code=code,
            minutes_valid=codes.minutes_valid(codes.PASSWORD_RESET),
        ))
    return user


@serves(calls.FORGOT_PASSWORD)
async def forgot_password(ctx: Context, request: ForgotPasswordRequest, caller: Caller) -> Notice:
    """Same reply, status and timing whether or not the address has an account; only the
    audit log tells them apart. The limits count the address string, known or not: per
    client (so one stranger's request never makes the owner wait), and per address with
    a daily cap high enough that the owner still gets a code.

    The reply goes out once the limits have been counted; looking the address up, storing
    a code and queueing its mail happen after, so how long the reply takes says nothing
    about whether there was an account to write a code for.
    """
    email_key = lookup_key(request.email)
    await throttling.hit(ctx, caller, "forgot_ip", caller.client, FORGOT_TOO_MANY_HERE)
    await throttling.hit(ctx, caller, "forgot_address", f"{email_key}|{caller.client}",
                         FORGOT_TOO_SOON)
    await throttling.hit(ctx, caller, "code_address", f"reset:{email_key}", FORGOT_TOO_SOON)
    ctx.after_reply(_send_reset_code(ctx, email_key, caller))
    return Notice(message=FORGOT_REPLY)


async def _send_reset_code(ctx: Context, email_key: str, caller: Caller) -> None:
    try:
        user = await ctx.store.run(_issue_reset, email_key=email_key,
                                   secret_key=ctx.settings.secret_key,
                                   asker=code_asker(caller.client, caller.device))
        if user is None:
            detail = "no account"
        else:
            ctx.mail_queued()
            detail = "code sent" if user.is_verified else "code sent, address not verified yet"
        await audit.record(ctx, "password_reset_requested", caller, user=user, detail=detail)
    except ServiceError as error:  # the database is away: the person asks again
        log.warning("no reset code issued: %s", error.message)


def _ways_in(user_id: int) -> tuple[list[str], list[str]]:
    """The names of the account's passkeys, and its second factors."""
    passkeys = [row.name for row in
                Passkey.select(Passkey.name).where(Passkey.user == user_id).order_by(Passkey.id)]
    factors = []
    if TotpFactor.select().where(TotpFactor.user == user_id,
                                 TotpFactor.confirmed_at.is_null(False)).exists():
        factors.append("two-step login with an authenticator app")
    if ApprovalFactor.select().where(ApprovalFactor.user == user_id).exists():
        factors.append("approval of new sign-ins from your signed-in devices")
    left = RecoveryCode.select().where(RecoveryCode.user == user_id,
                                       RecoveryCode.used_at.is_null()).count()
    if left:
        factors.append(f"{left} unused recovery code{'' if left == 1 else 's'}")
    return passkeys, factors


def _apply_reset(*, code: AccountCode, user_id: int, password_hash: str
                 ) -> tuple[list[int], list[str], list[str]]:
    """Use the code, set the password, mark the address proved, end every session and
    login challenge, and mail the notice, in one transaction; the ids of the sessions
    ended, and the passkeys and factors that still log in."""
    with database_proxy.obj.atomic():
        codes.consume(code)
        user = User.get_by_id(user_id)
        User.update(password_hash=password_hash).where(User.id == user_id).execute()
        mark_verified(user_id)
        LoginChallenge.delete().where(LoginChallenge.user == user_id).execute()
        ended = sessions.revoke_all(user_id)
        # Apps lose what the old password let them have, offline access included.
        backchannel.queue_for_grants(oauth_grants.end_for_user(user_id, "password_reset"))
        passkeys, factors = _ways_in(user_id)
        outbox.queue(password_changed_letter(
            recipient=user.email, username=user.username, how="with a reset code from this mail",
            summary=reset_summary(passkeys, factors),
        ))
    return ended, passkeys, factors


async def _refused_reset(ctx: Context, caller: Caller, user: User | None,
                         error: ServiceError) -> None:
    """Audit a refused reset of a known account (guesses at unknown addresses cannot
    succeed, and a row each would let anyone grow the table)."""
    if user is None or error.status is Status.UNAVAILABLE:
        return
    if error.status is Status.RESOURCE_EXHAUSTED:
        error.limit = "code_attempts"
        await throttling.refused(ctx, caller, error, f"reset:{user.id}", user=user)
    else:
        await audit.record(ctx, "password_reset_failure", caller, user=user, detail=error.message)


@serves(calls.RESET_PASSWORD)
async def reset_password(ctx: Context, request: ResetPasswordRequest,
                         caller: Caller) -> ResetPasswordReply:
    await throttling.hit(ctx, caller, "reset_ip", caller.client, RESET_TOO_MANY_HERE)
    # The common-password rule needs nothing of the account, so it is said before the
    # code is looked at; the rule about the account's own names only to its code's holder.
    problem = password_problem(request.new_password, username="", email=request.email)
    if problem:
        raise invalid(problem, field="new_password")
    email_key = lookup_key(request.email)
    user = await ctx.store.run(_owner, email_key)
    user_id = user.id if user else None
    # Wrong tries count per code and client, with MAX_TRIES_PER_CODE in all: a stranger
    # who knows the address cannot use up the code before its owner types it.
    stored = await ctx.store.run(codes.digest_of, user_id=user_id, purpose=codes.PASSWORD_RESET)
    key = attempt_key("reset", email_key, stored, caller.client)
    async with ctx.limiter.serial.hold(key):
        await throttling.check(ctx, caller, CODE_CLIENT_LIMIT, key, WRONG_RESET_CODES, user=user)
        try:
            code = await ctx.store.run(
                codes.check, user_id=user_id, purpose=codes.PASSWORD_RESET,
                code=request.code, secret_key=ctx.settings.secret_key,
                max_attempts=MAX_TRIES_PER_CODE, client=caller.client, device=caller.device,
            )
        except ServiceError as error:
            if error.field == "code":
                await ctx.limiter.count(CODE_CLIENT_LIMIT, key)
            await _refused_reset(ctx, caller, user, error)
            raise
    assert user is not None  # a code matched, so the account exists
    try:
        problem = password_problem(request.new_password, username=user.username,
                                   email=user.email)
        if problem:
            raise invalid(problem, field="new_password")
        password_hash = await ctx.passwords.hash(request.new_password)
        ended, passkeys, factors = await ctx.store.run(
            _apply_reset, code=code, user_id=user.id, password_hash=password_hash)
    except ServiceError as error:
        await _refused_reset(ctx, caller, user, error)
        raise
    ctx.mail_queued()
    # Failed logins counted against the account (someone guessing, or the owner before
    # remembering to reset) no longer lock the owner out once the mailbox is proved.
    account = f"user:{user.id}"
    await sessions.ended(ctx, ended, "Your password was reset. Please log in again.")
    await ctx.limiter.clear("login_account", account)
    await ctx.limiter.clear("login_account_ip", f"{account}|{caller.client}")
    await owner_guesses.lift(ctx, caller, user.id)
    await audit.record(ctx, "password_reset", caller, user=user,
                       detail=f"{len(ended)} session(s) ended")
    message = "Your password is reset. You can log in with it now."
    if passkeys or factors:
        message += (" These also log in to your account; remove on the Account page any "
                    "you do not know.")
    return ResetPasswordReply(message=message, passkeys=passkeys, second_factors=factors)


def _apply_change(*, user_id: int, keep: int, password_hash: str) -> list[int]:
    with database_proxy.obj.atomic():
        User.update(password_hash=password_hash).where(User.id == user_id).execute()
        LoginChallenge.delete().where(LoginChallenge.user == user_id).execute()
        user = User.get_by_id(user_id)
        ended = sessions.revoke_all(user_id, keep=keep)
        backchannel.queue_for_grants(oauth_grants.end_for_user(user_id, "password_changed"))
        outbox.queue(password_changed_letter(
            recipient=user.email, username=user.username,
            how="by someone logged in who knew the old password",
        ))
    return ended


@serves(calls.CHANGE_PASSWORD)
async def change_password(ctx: Context, request: ChangePasswordRequest, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    user = await confirm_password(ctx, caller, signed_in, request.current_password)
    if request.new_password == request.current_password:
        raise invalid("The new password is the one you have now. Choose another.",
                      field="new_password")
    problem = password_problem(request.new_password, username=user.username, email=user.email)
    if problem:
        raise invalid(problem, field="new_password")
    password_hash = await ctx.passwords.hash(request.new_password)
    ended = await ctx.store.run(_apply_change, user_id=user.id, keep=signed_in.session_id,
                                password_hash=password_hash)
    ctx.mail_queued()
    await sessions.ended(ctx, ended,
                         "Your password was changed on another device. Please log in again.")
    await audit.record(ctx, "password_changed", caller, user=user,
                       detail=f"{len(ended)} other session(s) ended")
    return Notice(message="Your password is changed. Your other sessions have ended.")
