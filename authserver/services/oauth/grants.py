"""Grants, their codes and their tokens, and whether a grant still stands.

A grant is what one person let one app do from one authserver session. It stands while:
it is not revoked, the account is not disabled, and either its session is live or it has
`offline_access`. Every token check (refresh, userinfo, introspection) asks the database
through `is_live`, so an ended session or a revoked grant stops working at once on every
worker, with no cache to wait for.

Codes and refresh tokens are spent by a conditional UPDATE, so two concurrent uses cannot
both pass: the second is a reuse, and a reuse revokes the grant with everything it gave
(RFC 6749 4.1.2, RFC 9700 4.14.2).
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import JOIN, Expression, Field

from authserver.store.models import (
    BaseModel,
    OAuthClient,
    OAuthCode,
    OAuthGrant,
    OAuthToken,
    Session,
    User,
    database_proxy,
    utcnow,
)

log = logging.getLogger(__name__)

CODE_SECONDS = 60


def digest(secret: str) -> str:
    """How codes and refresh tokens are stored: their SHA-256 (random, so no salt)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Reused:
    """A code or refresh token presented again: its grant is revoked."""

    def __init__(self, grant_id: int, user_id: int | None, what: str) -> None:
        self.grant_id, self.user_id, self.what = grant_id, user_id, what


@dataclass(frozen=True)
class CodeGrant:
    """What a valid code stands for."""

    grant_id: int
    user_id: int
    session_id: int | None
    scope: str
    nonce: str | None
    auth_time: datetime | None
    amr: str | None
    redirect_uri: str
    code_challenge: str


@dataclass(frozen=True)
class RefreshGrant:
    """What a valid refresh token stands for."""

    grant_id: int
    user_id: int | None
    scope: str


def _live():
    """The condition on a grant (joined with its user and session) that it stands."""
    session_live = (Session.id.is_null(False) & Session.revoked_at.is_null()
                    & (Session.expires_at > utcnow()))
    return (OAuthGrant.revoked_at.is_null()
            & (OAuthGrant.user.is_null() | User.disabled_at.is_null())
            & ((OAuthGrant.offline_access == True)  # noqa: E712 - peewee's SQL comparison
               | OAuthGrant.user.is_null() | session_live))


def _grants():
    return (OAuthGrant.select(OAuthGrant)
            .join(User, JOIN.LEFT_OUTER, on=(OAuthGrant.user == User.id))
            .switch(OAuthGrant)
            .join(Session, JOIN.LEFT_OUTER, on=(OAuthGrant.session_id == Session.id)))


def is_live(grant_id: int) -> bool:
    return _grants().where(OAuthGrant.id == grant_id, _live()).exists()


def open_grant(*, client_pk: int, user_id: int, session_id: int, scope: str,
               nonce: str | None, auth_time: datetime, amr: str, code_hash: str,
               redirect_uri: str, code_challenge: str) -> int:
    """Record an authorization and its code; the grant's id."""
    now = utcnow()
    with database_proxy.obj.atomic():
        grant = OAuthGrant.create(
            client=client_pk, user=user_id, session_id=session_id, scope=scope,
            offline_access="offline_access" in scope.split(), nonce=nonce,
            auth_time=auth_time, amr=amr, created_at=now)
        OAuthCode.create(grant=grant.id, code_hash=code_hash, redirect_uri=redirect_uri,
                         code_challenge=code_challenge,
                         expires_at=now + timedelta(seconds=CODE_SECONDS))
    return grant.id


def revoke(grant_id: int, reason: str) -> bool:
    """Revoke a grant and so every token it gave; False if it was revoked already."""
    return bool(OAuthGrant.update(revoked_at=utcnow(), revoked_reason=reason).where(
        OAuthGrant.id == grant_id, OAuthGrant.revoked_at.is_null()).execute())


def take_code(code_hash: str, client_pk: int) -> CodeGrant | Reused | None:
    """Spend a code of this client: what it stands for, Reused (its grant now revoked),
    or None (unknown, expired, or its grant no longer stands)."""
    row = (OAuthCode.select(OAuthCode, OAuthGrant).join(OAuthGrant)
           .where(OAuthCode.code_hash == code_hash, OAuthGrant.client == client_pk).first())
    if row is None:
        return None
    grant = row.grant
    spent = OAuthCode.update(used_at=utcnow()).where(
        OAuthCode.id == row.id, OAuthCode.used_at.is_null()).execute()
    if not spent:
        revoke(grant.id, "code_reused")
        return Reused(grant.id, grant.user_id, "code")
    if row.expires_at <= utcnow() or not is_live(grant.id):
        return None
    return CodeGrant(grant.id, grant.user_id, grant.session_id, grant.scope, grant.nonce,
                     grant.auth_time, grant.amr, row.redirect_uri, row.code_challenge)


def record_tokens(*, grant_id: int, jti: str, refresh_token: str | None, scope: str,
                  access_seconds: float, refresh_seconds: float) -> None:
    """Note an issue of tokens (the refresh token by its digest only)."""
    now = utcnow()
    OAuthToken.create(
        grant=grant_id, access_jti=jti,
        refresh_hash=digest(refresh_token) if refresh_token else None,
        scope=scope, issued_at=now, access_expires_at=now + timedelta(seconds=access_seconds),
        refresh_expires_at=now + timedelta(seconds=refresh_seconds) if refresh_token else None)
    OAuthGrant.update(last_used_at=now).where(OAuthGrant.id == grant_id).execute()


def take_refresh(refresh_token: str, client_pk: int) -> RefreshGrant | Reused | None:
    """Spend a refresh token of this client (each is good once: it rotates)."""
    row = (OAuthToken.select(OAuthToken, OAuthGrant).join(OAuthGrant)
           .where(OAuthToken.refresh_hash == digest(refresh_token),
                  OAuthGrant.client == client_pk).first())
    if row is None:
        return None
    grant = row.grant
    if row.revoked_at is not None:
        return None
    spent = OAuthToken.update(rotated_at=utcnow()).where(
        OAuthToken.id == row.id, OAuthToken.rotated_at.is_null()).execute()
    if not spent:
        revoke(grant.id, "refresh_reused")
        return Reused(grant.id, grant.user_id, "refresh token")
    if (row.refresh_expires_at is None or row.refresh_expires_at <= utcnow()
            or not is_live(grant.id)):
        return None
    return RefreshGrant(grant.id, grant.user_id, grant.scope)


def client_grant(client_pk: int, scope: str) -> int:
    """A grant for a client acting for itself (client credentials): no person, no session."""
    return OAuthGrant.create(client=client_pk, user=None, session_id=None, scope=scope,
                             offline_access=False, created_at=utcnow()).id


@dataclass(frozen=True)
class TokenState:
    """A token as introspection and revocation see it."""

    grant_id: int
    client_id: str
    user_id: int | None
    sub: str | None
    username: str | None
    scope: str
    issued_at: datetime
    expires_at: datetime
    active: bool
    session_id: int | None


def _state(row: OAuthToken, expires_at: datetime | None, usable: bool) -> TokenState:
    grant = row.grant
    user = grant.user if grant.user_id is not None else None
    active = (usable and expires_at is not None and expires_at > utcnow()
              and is_live(grant.id))
    return TokenState(grant.id, grant.client.client_id, grant.user_id,
                      user.sub if user else None, user.username if user else None,
                      row.scope, row.issued_at, expires_at or row.issued_at, active,
                      grant.session_id)


def _token_rows():
    return (OAuthToken.select(OAuthToken, OAuthGrant, OAuthClient, User)
            .join(OAuthGrant).join(OAuthClient).switch(OAuthGrant)
            .join(User, JOIN.LEFT_OUTER, on=(OAuthGrant.user == User.id)))


def access_state(jti: str) -> TokenState | None:
    """An access token's state, by its `jti` (its signature is checked by the caller)."""
    row = _token_rows().where(OAuthToken.access_jti == jti).first()
    if row is None:
        return None
    return _state(row, row.access_expires_at, row.revoked_at is None)


def refresh_state(refresh_token: str) -> TokenState | None:
    row = _token_rows().where(OAuthToken.refresh_hash == digest(refresh_token)).first()
    if row is None:
        return None
    usable = row.revoked_at is None and row.rotated_at is None
    return _state(row, row.refresh_expires_at, usable)


def end_for_user(user_id: int, reason: str) -> list[int]:
    """Revoke every standing grant of an account, offline ones included (a password reset
    or change, the account disabled); the ids revoked. Run it in the change's transaction."""
    ids = [row.id for row in OAuthGrant.select(OAuthGrant.id).where(
        OAuthGrant.user == user_id, OAuthGrant.revoked_at.is_null())]
    if ids:
        OAuthGrant.update(revoked_at=utcnow(), revoked_reason=reason).where(
            OAuthGrant.id.in_(ids), OAuthGrant.revoked_at.is_null()).execute()
    return ids


def past_keeping(*, now: datetime, cutoff: datetime
                 ) -> list[tuple[str, type[BaseModel], Expression, Field]]:
    """What no request can use again: expired codes, tokens whose access and refresh
    tokens have both expired (a replay of an expired refresh token is refused as unknown),
    and grants revoked before `cutoff`, with their tokens."""
    tokens_gone = OAuthToken.access_expires_at < now
    tokens_gone &= OAuthToken.refresh_expires_at.is_null() | (OAuthToken.refresh_expires_at < now)
    return [
        ("expired oauth codes", OAuthCode, OAuthCode.expires_at < now, OAuthCode.expires_at),
        ("expired oauth tokens", OAuthToken, tokens_gone, OAuthToken.access_expires_at),
        ("revoked oauth grants", OAuthGrant, OAuthGrant.revoked_at < cutoff,
         OAuthGrant.revoked_at),
    ]
