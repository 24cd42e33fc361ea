"""The login's second step: a right password for an account with TOTP on (or, from a
new device, with approval from signed-in devices on) gives a challenge, not a session;
the challenge and a code (or a recovery code, or an approval: approval_requests.py)
give the session.

A challenge is a random token given out once and stored as its SHA-256. It lives five
minutes and allows five tries (each reserved by a conditional UPDATE before the check,
so concurrent guesses get no more); wrong codes also count against the account's limit.
"""

from datetime import timedelta

from authserver.errors import SecondFactorRequired, ServiceError, exhausted, unauthenticated
from authserver.security.devices import device_of
from authserver.security.tokens import new_token, token_digest
from authserver.services import audit
from authserver.services.accounts.lookup import DISABLED, as_reply
from authserver.services.context import Caller, Context
from authserver.services.factors import approval_requests
from authserver.services.factors.approval import approval_on
from authserver.services.factors.approval_requests import Offer
from authserver.services.factors.checks import check_factor, confirmed_totp
from authserver.services.oauth.claims import METHODS_SECOND_FACTOR
from authserver.services.registry import serves
from authserver.services.sessions.lifecycle import open_session
from authserver.store.models import LoginChallenge, Passkey, User, utcnow
from contracts import Status
from contracts import service as calls
from contracts.messages import (
    LoginReply,
    SecondFactorChallenge,
    SecondFactorKind,
    SecondFactorRequest,
)

CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_TRIES = 5
FACTORS: list[SecondFactorKind] = ["totp", "recovery_code"]
START_OVER = "This login has expired or ended. Log in again with your password."
NOT_THIS_SIGN_IN = ("That passkey is not this account's, or this sign-in has expired or "
                    "ended. Use the account's passkey, or start over.")


def _factors_on(user_id: int) -> tuple[bool, bool, bool]:
    """Whether the account has TOTP on, approval from signed-in devices, and a passkey."""
    return (confirmed_totp(user_id) is not None, approval_on(user_id),
            Passkey.select().where(Passkey.user == user_id).exists())


def _open_challenge(user_id: int, token_hash: str):
    now = utcnow()
    # Challenges that have expired go as new ones are made: the table stays small.
    LoginChallenge.delete().where(LoginChallenge.expires_at <= now).execute()
    return LoginChallenge.create(user=user_id, token_hash=token_hash,
                                 expires_at=now + CHALLENGE_LIFETIME, created_at=now).expires_at


async def require_second_factor(ctx: Context, user: User, caller: Caller, *,
                                passkeys: bool = False) -> None:
    """Raise SecondFactorRequired, with a new challenge, when `user` has a second factor;
    return when the password alone is enough.

    With `passkeys` (after an outside provider's sign-in, which stands for no factor of
    ours), an account's passkey counts as a second factor too, given with
    `POST /api/login/passkey` and the challenge (`settle_with_passkey`). The password
    login does not offer it: a passkey logs in by itself there.

    Approval from signed-in devices is asked only of a device without the account's
    device cookie: one that proved the password here before is no new device. When
    approval is the account's only factor and may not be asked now (paused, too many
    requests), the login is refused until it may."""
    totp, approval, has_passkey = await ctx.store.run(_factors_on, user.id)
    approval = approval and device_of(ctx.settings.secret_key, caller.device, user.id) is None
    passkey = passkeys and has_passkey
    if not totp and not approval and not passkey:
        return
    challenge = new_token()
    expires_at = await ctx.store.run(_open_challenge, user.id, token_digest(challenge))
    offered = Offer()
    if approval:
        offered = await approval_requests.offer(ctx, user, caller, token_digest(challenge))
    factors: list[SecondFactorKind] = ["approval"] if offered.number is not None else []
    if totp:
        factors += FACTORS
    if passkey:
        factors.append("passkey")
    if not factors:
        await ctx.store.run(_consume_hash, token_digest(challenge))
        raise exhausted(f"{offered.note} Log in again then.", retry_after=offered.retry_after)
    await audit.record(ctx, "second_factor_required", caller, user=user)
    raise SecondFactorRequired(SecondFactorChallenge(
        challenge=challenge, factors=factors, expires_at=expires_at,
        tries_left=CHALLENGE_TRIES, number=offered.number,
        approval_note=(offered.note + approval_requests.OTHER_FACTOR) if offered.note else None,
    ))


def _take_challenge_of(token_hash: str, user_id: int) -> bool:
    return bool(LoginChallenge.delete().where(
        LoginChallenge.token_hash == token_hash, LoginChallenge.user == user_id,
        LoginChallenge.expires_at > utcnow()).execute())


async def settle_with_passkey(ctx: Context, challenge: str, user: User) -> None:
    """The second step given by the account's own passkey (checked by the caller): the
    challenge is used up. UNAUTHENTICATED when it is no live challenge of that account, a
    passkey of another account included."""
    if not await ctx.store.run(_take_challenge_of, token_digest(challenge), user.id):
        raise unauthenticated(NOT_THIS_SIGN_IN)


def _consume_hash(token_hash: str) -> None:
    LoginChallenge.delete().where(LoginChallenge.token_hash == token_hash).execute()


def _reserve_try(token_hash: str) -> tuple[LoginChallenge, User] | None:
    """The live challenge with one try spent, and its user; None when there is none."""
    row = LoginChallenge.get_or_none(LoginChallenge.token_hash == token_hash,
                                     LoginChallenge.expires_at > utcnow())
    if row is None:
        return None
    reserved = (
        LoginChallenge.update(attempts=LoginChallenge.attempts + 1)
        .where(LoginChallenge.id == row.id, LoginChallenge.attempts < CHALLENGE_TRIES)
        .execute()
    )
    if not reserved:
        LoginChallenge.delete().where(LoginChallenge.id == row.id).execute()
        raise exhausted("Too many wrong codes for this login. Log in again with your password.")
    return row, User.get_by_id(row.user_id)


def _consume(challenge_id: int) -> bool:
    return bool(LoginChallenge.delete().where(LoginChallenge.id == challenge_id).execute())


async def finish(ctx: Context, request: SecondFactorRequest, caller: Caller) -> User:
    """The user whose login `request` finishes; the refusal otherwise."""
    found = await ctx.store.run(_reserve_try, token_digest(request.challenge))
    if found is None:
        raise unauthenticated(START_OVER)
    challenge, user = found
    if user.disabled_at is not None:  # disabled since the password step
        raise ServiceError(Status.PERMISSION_DENIED, DISABLED)
    try:
        kind = await check_factor(ctx, caller, user, code=request.code,
                                  recovery_code=request.recovery_code)
    except ServiceError as error:
        tries_left = CHALLENGE_TRIES - challenge.attempts - 1
        if error.field and tries_left > 0:
            error.message += f" {tries_left} {'try' if tries_left == 1 else 'tries'} left."
        elif error.field:
            error.message += " That was the last try: log in again with your password."
        raise
    if not await ctx.store.run(_consume, challenge.id):
        raise unauthenticated(START_OVER)  # a concurrent request finished it first
    await approval_requests.withdraw(ctx, challenge.token_hash)
    await audit.record(ctx, "login_success", caller, user=user, detail=f"second factor: {kind}")
    return user


@serves(calls.LOGIN_SECOND_FACTOR)
async def login_second_factor(ctx: Context, request: SecondFactorRequest,
                              caller: Caller) -> LoginReply:
    user = await finish(ctx, request, caller)
    token, expires_at = await open_session(ctx, user, caller, amr=METHODS_SECOND_FACTOR)
    return LoginReply(message=f"Welcome back, {user.username}.", token=token,
                      expires_at=expires_at, user=as_reply(user))
