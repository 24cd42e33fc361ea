"""Sessions: opened by login, found by token, ended by logout or expiry."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from authserver.errors import unauthenticated
from authserver.security.tokens import new_token, token_digest
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.services.users import as_reply
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


def _open(user_id: int, token_hash: str, expires_at: datetime) -> Session:
    return Session.create(user=user_id, token_hash=token_hash, expires_at=expires_at)


async def open_session(ctx: Context, user: User) -> tuple[str, datetime]:
    """A new token for `user`; only its hash is stored."""
    token = new_token()
    expires_at = utcnow() + timedelta(hours=ctx.settings.session_ttl_hours)
    await ctx.store.run(_open, user.id, token_digest(token), expires_at)
    return token, expires_at


# What a signed-in caller needs of its user: never the password hash or the code's HMAC,
# which this lookup, made on every authenticated request, has no reason to read.
_CALLER_COLUMNS = (Session.id, Session.expires_at,
                   User.id, User.username, User.email, User.is_verified, User.created_at)


def _find_live(token_hash: str) -> SignedIn | None:
    found = (
        Session.select(*_CALLER_COLUMNS)
        .join(User)
        .where(
            Session.token_hash == token_hash,
            Session.revoked_at.is_null(),
            Session.expires_at > utcnow(),
        )
        .first()
    )
    if found is None:
        return None
    return SignedIn(user=found.user, session_id=found.id, expires_at=found.expires_at)


async def authenticate(ctx: Context, token: str | None) -> SignedIn:
    """The live session of `token`, or UNAUTHENTICATED."""
    if not token:
        raise unauthenticated("Please log in: this call needs a session token.")
    signed_in = await ctx.store.run(_find_live, token_digest(token))
    if signed_in is None:
        raise unauthenticated("Your session has ended or the token is not valid. Please log in.")
    return signed_in


def _revoke(session_id: int) -> int:
    return (
        Session.update(revoked_at=utcnow())
        .where(Session.id == session_id, Session.revoked_at.is_null())
        .execute()
    )


@serves(calls.ME)
async def me(ctx: Context, request: Empty, caller: Caller) -> UserReply:
    signed_in = await authenticate(ctx, caller.token)
    return as_reply(signed_in.user)


@serves(calls.LOGOUT)
async def logout(ctx: Context, request: Empty, caller: Caller) -> Notice:
    signed_in = await authenticate(ctx, caller.token)
    if await ctx.store.run(_revoke, signed_in.session_id):
        await audit.record(ctx, "logout", caller, user=signed_in.user)
        await ctx.session_ended(signed_in.session_id, "You logged out.")
    return Notice(message="You are logged out.")
