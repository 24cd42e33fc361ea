"""Login: a name (username or email) and a password for a session token.

Guessing is limited before bcrypt runs, so a refused guess costs the server a counter
look-up, not a hash: failures per account and client address (a success clears them),
per account from every address, and per address across accounts. A client with a valid
device cookie for the account (security/devices.py) is not held by the account-wide
ceiling, which strangers can spend; its failures count per device instead.
"""

import hashlib
import logging

from authserver.errors import ServiceError, unauthenticated
from authserver.security.devices import device_of
from authserver.services import audit, throttling
from authserver.services.accounts.lookup import DISABLED, as_reply, find_by_login_name
from authserver.services.context import Caller, Context
from authserver.services.factors.second_step import require_second_factor
from authserver.services.registry import serves
from authserver.services.sessions.lifecycle import open_session
from authserver.store.models import User
from contracts import Status
from contracts import service as calls
from contracts.fields import lookup_key
from contracts.messages import LoginReply, LoginRequest

log = logging.getLogger(__name__)

TOO_MANY_HERE = "Too many failed logins for this account from your address. Try again in {wait}."
TOO_MANY_ACCOUNT = "Too many failed logins for this account today. Try again in {wait}."
TOO_MANY_ADDRESS = "Too many failed logins from your address. Try again in {wait}."
TOO_MANY_DEVICE = "Too many failed logins from this device. Try again in {wait}."


def _digest(name: str) -> str:
    # A name that matches no account may be a password typed in the wrong field: the
    # limit store (Redis) keeps only its digest.
    return hashlib.sha256(name.encode()).hexdigest()[:32]


Limit = tuple[str, str, str]
"""A limit's name, the key it counts under, and the refusal's words."""


def _limits(caller: Caller, account: str, pair: str, device: str | None) -> tuple[Limit, ...]:
    """The limits this attempt must pass, and counts against when it fails."""
    shared = ("login_account", account, TOO_MANY_ACCOUNT)
    if device is not None:
        shared = ("login_device", f"{account}|{device}", TOO_MANY_DEVICE)
    return (
        ("login_account_ip", pair, TOO_MANY_HERE),
        shared,
        ("login_ip", caller.client, TOO_MANY_ADDRESS),
    )


async def _admit(ctx: Context, caller: Caller, limits: tuple[Limit, ...],
                 user: User | None) -> None:
    """Refuse an attempt that a spent limit forbids, before any hashing."""
    for name, key, message in limits:
        await throttling.check(ctx, caller, name, key, message, user=user)


async def check_credentials(ctx: Context, name: str, password: str, caller: Caller) -> User:
    """The verified user with these credentials, or the refusal to give.

    An unknown name still costs one bcrypt check, so timing does not tell which names
    exist; "not verified" is only said to someone who knows the password, and so is
    SecondFactorRequired, for an account with a second factor. Attempts for
    one account from one address are checked one at a time, and from one address at most
    as many as the hashing pool runs (per process), so concurrent guesses cannot all slip
    past a limit before the first failures are counted.
    """
    user = await ctx.store.run(find_by_login_name, name)
    account = f"user:{user.id}" if user else f"name:{_digest(lookup_key(name))}"
    pair = f"{account}|{caller.client}"
    device = device_of(ctx.settings.secret_key, caller.device, user.id) if user else None
    limits = _limits(caller, account, pair, device)
    async with ctx.limiter.serial.hold(pair), ctx.limiter.per_address.hold(caller.client):
        await _admit(ctx, caller, limits, user)
        matched = await ctx.passwords.check(password, user.password_hash if user else None)
        if not matched:
            for limit_name, key, _ in limits:
                await ctx.limiter.count(limit_name, key)
            await audit.record(ctx, "login_failure", caller, user=user,
                               detail="wrong password" if user else "unknown name")
            raise unauthenticated("Wrong username or password.")
        await ctx.limiter.clear("login_account_ip", pair)
    assert user is not None  # a password matched, so the account exists
    if not user.is_verified:
        await audit.record(ctx, "login_failure", caller, user=user, detail="email not verified")
        raise ServiceError(
            Status.PERMISSION_DENIED,
            "Please verify your email address first: enter the 6-digit code we mailed you, or "
            "ask for a new one.",
        )
    if user.disabled_at is not None:
        await audit.record(ctx, "login_failure", caller, user=user, detail="account disabled")
        raise ServiceError(Status.PERMISSION_DENIED, DISABLED)
    if ctx.passwords.needs_rehash(user.password_hash):
        await _rehash(ctx, user, password)
    await require_second_factor(ctx, user, caller)
    await audit.record(ctx, "login_success", caller, user=user)
    return user


def _replace_hash(user_id: int, old_hash: str, new_hash: str) -> None:
    # Conditional: a password changed meanwhile is not overwritten with the old one.
    User.update(password_hash=new_hash).where(
        User.id == user_id, User.password_hash == old_hash
    ).execute()


async def _rehash(ctx: Context, user: User, password: str) -> None:
    """Store the password again at the configured cost: raising BCRYPT_ROUNDS reaches
    every account that logs in, and old hashes stop answering faster than unknown names
    (which are checked against a dummy hash at the configured cost). A hash imported from
    the original app (Werkzeug's scrypt or pbkdf2) becomes bcrypt the same way."""
    new_hash = await ctx.passwords.hash(password)
    await ctx.store.run(_replace_hash, user.id, user.password_hash, new_hash)
    log.info("rehashed the password of user %s at cost %s", user.id, ctx.passwords.rounds)


@serves(calls.LOGIN)
async def login(ctx: Context, request: LoginRequest, caller: Caller) -> LoginReply:
    user = await check_credentials(ctx, request.username, request.password, caller)
    token, expires_at = await open_session(ctx, user, caller)
    return LoginReply(
        message=f"Welcome back, {user.username}.",
        token=token,
        expires_at=expires_at,
        user=as_reply(user),
    )
