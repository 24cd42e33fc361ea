"""Grants, their codes and their tokens, and whether a grant still stands.

A grant is what one person let one app do from one authserver session. It stands while:
it is not revoked, the account is not disabled, and either its session is live or it has
`offline_access`. Every token check (refresh, userinfo, introspection) asks the database
(`is_live`, or the same condition selected with the token), so an ended session or a
revoked grant stops working at once on every worker, with no cache to wait for.

Codes and refresh tokens are spent by a conditional UPDATE, so two concurrent uses cannot
both pass: the second is a reuse, and a reuse revokes the grant with everything it gave
(RFC 6749 4.1.2, RFC 9700 4.14.2).
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import JOIN, Expression, Field

from authserver.services.oauth.claims import Person
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
    person: Person | None  # the account it speaks for (None: the client itself)


def _live(now: datetime | None = None):
    """The condition on a grant (joined with its user and session) that it stands."""
    session_live = (Session.id.is_null(False) & Session.revoked_at.is_null()
                    & (Session.expires_at > (now or utcnow())))
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
    row = (_token_rows().where(OAuthToken.refresh_hash == digest(refresh_token),
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
            or not row.grant_stands):  # selected by _token_rows
        return None
    return RefreshGrant(grant.id, grant.user_id, grant.scope, _person(grant))


def client_grant(client_pk: int, scope: str) -> int:
    """A grant for a client acting for itself (client credentials): no person, no session."""
    return OAuthGrant.create(client=client_pk, user=None, session_id=None, scope=scope,
                             offline_access=False, created_at=utcnow()).id


@dataclass(frozen=True)
class TokenState:
    """A token as introspection and revocation see it, with its client's row as the
    same query read it (`client_pk`, `client_secret_hash`, `client_public`,
    `client_updated_at`): introspection confirms a cached client against them."""

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
    person: Person | None  # the account the token speaks for (None: the client itself)
    client_pk: int = 0
    client_secret_hash: str | None = None
    client_public: bool = False
    client_updated_at: datetime | None = None


def _person(grant: OAuthGrant) -> Person | None:
    """The grant's account, as joined by _token_rows (None for a client's own grant)."""
    user = grant.user if grant.user_id is not None else None
    if user is None:
        return None
    return Person(user.id, user.sub, user.username, user.email, user.is_verified)


def _token_rows(now: datetime | None = None):
    """A token with its grant, client and person, and whether the grant stands, in one
    query (the token checks of introspection and userinfo make no other); only the
    columns read, since building the SQL of every column cost as much as running it."""
    return (OAuthToken.select(*_STATE_COLUMNS, _live(now).alias("grant_stands"))
            .join(OAuthGrant).join(OAuthClient).switch(OAuthGrant)
            .join(User, JOIN.LEFT_OUTER, on=(OAuthGrant.user == User.id))
            .switch(OAuthGrant)
            .join(Session, JOIN.LEFT_OUTER, on=(OAuthGrant.session_id == Session.id)))


_STATE_COLUMNS: tuple[Field, ...] = (
    OAuthToken.id, OAuthToken.scope, OAuthToken.issued_at,
    OAuthToken.access_expires_at, OAuthToken.refresh_expires_at,
    OAuthToken.rotated_at, OAuthToken.revoked_at,
    OAuthGrant.id, OAuthGrant.user, OAuthGrant.session_id, OAuthGrant.scope,
    OAuthClient.id, OAuthClient.client_id, OAuthClient.secret_hash, OAuthClient.public,
    OAuthClient.updated_at,
    User.id, User.sub, User.username, User.email, User.is_verified)

_STATE_NAMES = tuple(f"{field.model.__name__}.{field.name}" for field in _STATE_COLUMNS)

# Stand-ins for the two values that change per request, found again in the parameters
# peewee produced (their place differs between the databases' SQL).
_NOW_MARK = datetime(1901, 2, 3, 4, 5, 6, 789012)
_KEY_MARK = "\x00token-state-key\x00"


@dataclass(frozen=True)
class _Prepared:
    sql: str
    params: tuple


_prepared: dict[tuple[type, str], _Prepared] = {}


def _state_sql(database, by: Field) -> _Prepared:
    """The token-state query by `by`, its SQL built once per kind of database: peewee
    building it on each request was a third of an introspection's time."""
    key = (type(database), by.name)
    found = _prepared.get(key)
    if found is None:
        sql, params = _token_rows(_NOW_MARK).where(by == _KEY_MARK).sql()
        found = _prepared[key] = _Prepared(sql, tuple(params))
    return found


@dataclass(frozen=True)
class StateRead:
    """A token-state query ready to run on the current database (`sql`, `params`), and
    the time it asks about; `refresh` for a refresh token's state."""

    sql: str
    params: list
    now: datetime
    refresh: bool


def _state_read(by: Field, value: str, refresh: bool) -> StateRead:
    prepared = _state_sql(database_proxy.obj, by)
    now = utcnow()
    params = [now if param == _NOW_MARK else value if param == _KEY_MARK else param
              for param in prepared.params]
    return StateRead(prepared.sql, params, now, refresh)


def access_read(jti: str) -> StateRead:
    """The query of an access token's state, by its `jti` (no I/O: run it with
    `Store.fetch_row`, or `access_state` runs it on the greenlet bridge)."""
    return _state_read(OAuthToken.access_jti, jti, refresh=False)


def state_of(read: StateRead, row: tuple | None) -> TokenState | None:
    """The state in a row `read` found (None: no such token)."""
    if row is None:
        return None
    got = {name: field.python_value(raw)
           for name, field, raw in zip(_STATE_NAMES, _STATE_COLUMNS, row, strict=False)}
    if read.refresh:
        expires_at = got["OAuthToken.refresh_expires_at"]
        usable = got["OAuthToken.revoked_at"] is None and got["OAuthToken.rotated_at"] is None
    else:
        expires_at = got["OAuthToken.access_expires_at"]
        usable = got["OAuthToken.revoked_at"] is None
    user_id = got["OAuthGrant.user"]
    person = (Person(got["User.id"], got["User.sub"], got["User.username"],
                     got["User.email"], bool(got["User.is_verified"]))
              if user_id is not None else None)
    active = (usable and expires_at is not None and expires_at > read.now
              and bool(row[len(_STATE_COLUMNS)]))  # grant_stands
    return TokenState(
        got["OAuthGrant.id"], got["OAuthClient.client_id"], user_id,
        person.sub if person else None, person.username if person else None,
        got["OAuthToken.scope"], got["OAuthToken.issued_at"],
        expires_at or got["OAuthToken.issued_at"], active, got["OAuthGrant.session_id"],
        person, client_pk=got["OAuthClient.id"],
        client_secret_hash=got["OAuthClient.secret_hash"],
        client_public=bool(got["OAuthClient.public"]),
        client_updated_at=got["OAuthClient.updated_at"])


def _run(read: StateRead) -> TokenState | None:
    return state_of(read, database_proxy.obj.execute_sql(read.sql, read.params).fetchone())


def access_state(jti: str) -> TokenState | None:
    """An access token's state, by its `jti` (its signature is checked by the caller)."""
    return _run(access_read(jti))


def refresh_state(refresh_token: str) -> TokenState | None:
    return _run(_state_read(OAuthToken.refresh_hash, digest(refresh_token), refresh=True))


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
