"""Sessions: opened by login, found by token, ended by logout, by their owner from the
account page (services/sessions/self_service.py), by a password reset or change, or by expiry.

Ending a session reaches its sockets in this process at once (the context's session
listeners) and in every other process at the realtime layer's next sweep; its token stops
working at once everywhere the session-end channel reaches, and within half a second
where it does not (live_sessions).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from authserver.errors import unauthenticated
from authserver.security.tokens import new_token, token_digest
from authserver.services import audit
from authserver.services.accounts.lookup import as_reply
from authserver.services.context import Caller, Context
from authserver.services.oauth.claims import METHODS_PASSWORD
from authserver.services.registry import serves
from authserver.store.models import Session, User, utcnow
from contracts import service as calls
from contracts.messages import Empty, Notice
from contracts.messages import User as UserReply


@dataclass(frozen=True)
class SignedIn:
    """A caller whose token names a live session."""

    user: User
    session_id: int
    expires_at: datetime

    @cached_property
    def reply(self) -> UserReply:
        """The account as /api/me shows it, made once: the cache of live sessions gives
        every request of a token the same SignedIn until it asks the database again,
        and a change to the account makes it forget the entry (`Context.user_changed`)."""
        return as_reply(self.user)


# Last-used times are kept to the minute: a busy session costs one write a minute.
LAST_USED_PRECISION = timedelta(minutes=1)


def _open(user_id: int, token_hash: str, expires_at: datetime, caller: Caller,
          amr: str, by_approval: bool) -> Session:
    now = utcnow()
    return Session.create(user=user_id, token_hash=token_hash, expires_at=expires_at,
                          created_at=now, last_used_at=now, ip=caller.ip[:64],
                          user_agent=caller.user_agent[:300], amr=amr, by_approval=by_approval)


async def open_session(ctx: Context, user: User, caller: Caller, *,
                       amr: str = METHODS_PASSWORD,
                       by_approval: bool = False) -> tuple[str, datetime]:
    """A new token for `user`, noting where it logged in from, how (`amr`, RFC 8176
    method names, told to apps in ID tokens) and whether another device approved it;
    only the token's hash is stored."""
    token = new_token()
    expires_at = utcnow() + timedelta(hours=ctx.settings.session_ttl_hours)
    await ctx.store.run(_open, user.id, token_digest(token), expires_at, caller, amr,
                        by_approval)
    return token, expires_at


# What a signed-in caller needs of its user: never the password hash or the code's HMAC,
# which this lookup, made on every authenticated request, has no reason to read.
_CALLER_COLUMNS = (Session.id, Session.expires_at, Session.last_used_at,
                   User.id, User.username, User.email, User.is_verified, User.created_at,
                   User.role)


def _touch(session_id: int, now: datetime) -> None:
    """Note the session as used now, unless that was noted within the last minute; the
    condition makes concurrent requests write once."""
    stale = now - LAST_USED_PRECISION
    Session.update(last_used_at=now).where(
        Session.id == session_id,
        Session.last_used_at.is_null() | (Session.last_used_at < stale),
    ).execute()


def _find_live(token_hash: str) -> SignedIn | None:
    found = (
        Session.select(*_CALLER_COLUMNS)
        .join(User)
        .where(
            Session.token_hash == token_hash,
            User.disabled_at.is_null(),  # a disabled account's sessions end, but be sure
            Session.revoked_at.is_null(),
            Session.expires_at > utcnow(),
        )
        .first()
    )
    if found is None:
        return None
    now = utcnow()
    if found.last_used_at is None or found.last_used_at < now - LAST_USED_PRECISION:
        _touch(found.id, now)
    return SignedIn(user=found.user, session_id=found.id, expires_at=found.expires_at)


async def authenticate(ctx: Context, token: str | None) -> SignedIn:
    """The live session of `token`, or UNAUTHENTICATED; asked of the database at most every
    half second per token and process (see live_sessions for why that stays honest), and
    once for all the token's requests that ask at the same time."""
    if not token:
        raise unauthenticated("Please log in: this call needs a session token.")
    token_hash = token_digest(token)
    signed_in = ctx.live_sessions.get(token_hash)
    if signed_in is None:
        signed_in = await ctx.live_sessions.look_up(
            token_hash, lambda: _find_and_keep(ctx, token_hash))
    if signed_in is None:
        raise unauthenticated("Your session has ended or the token is not valid. Please log in.")
    return signed_in


async def _find_and_keep(ctx: Context, token_hash: str) -> SignedIn | None:
    generation = ctx.live_sessions.generation
    signed_in = await ctx.store.run(_find_live, token_hash)
    if signed_in is not None:
        ctx.live_sessions.store(token_hash, signed_in, session_id=signed_in.session_id,
                                user_id=signed_in.user.id, expires_at=signed_in.expires_at,
                                generation=generation)
    return signed_in


async def open_socket_session(ctx: Context, user: User, caller: Caller) -> SignedIn:
    """A session for a socket that signed in with a password (the seed's `authenticate`).

    Its token is never given out; it exists so that such a socket is listed among the
    account's sessions and ends with them (logout everywhere, a reset, a deleted account),
    on every worker. The socket closes it when it disconnects.
    """
    token, _ = await open_session(ctx, user, caller)
    return await authenticate(ctx, token)


async def close_socket_session(ctx: Context, session_id: int) -> None:
    await ctx.store.run(_revoke, session_id)


def _revoke(session_id: int) -> int:
    return (
        Session.update(revoked_at=utcnow())
        .where(Session.id == session_id, Session.revoked_at.is_null())
        .execute()
    )


async def end_session(ctx: Context, session_id: int, reason: str) -> bool:
    """End one session (an app's logout request, say); False if it had ended already."""
    if not await ctx.store.run(_revoke, session_id):
        return False
    await ctx.session_ended(session_id, reason)
    return True


def live(user_id: int):
    """The condition of the account's live sessions, for a query."""
    return (Session.user == user_id) & Session.revoked_at.is_null() & (
        Session.expires_at > utcnow()
    )


def revoke_all(user_id: int, *, keep: int | None = None) -> list[int]:
    """End every live session of the account (but `keep`); the ids of those ended.

    A data function: run it inside the transaction of the change that causes it (a
    password reset or change), then tell the sockets with `ended`.
    """
    condition = live(user_id)
    if keep is not None:
        condition &= Session.id != keep
    ids = [row.id for row in Session.select(Session.id).where(condition)]
    if ids:
        Session.update(revoked_at=utcnow()).where(
            Session.id.in_(ids), Session.revoked_at.is_null()
        ).execute()
    return ids


async def ended(ctx: Context, session_ids: list[int], reason: str) -> None:
    """Disconnect the sockets of sessions just ended, with `reason` as their notice."""
    for session_id in session_ids:
        await ctx.session_ended(session_id, reason)


@serves(calls.ME)
async def me(ctx: Context, request: Empty, caller: Caller) -> UserReply:
    return caller.signed_in.reply


@serves(calls.LOGOUT)
async def logout(ctx: Context, request: Empty, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    if await ctx.store.run(_revoke, signed_in.session_id):
        await ctx.session_ended(signed_in.session_id, "You logged out.")
        await audit.record(ctx, "logout", caller, user=signed_in.user)
    return Notice(message="You are logged out.")
