"""The apps that sign people in with us: registered by the operator, each with its exact
redirect URIs, grant types, scopes and token lifetimes.

A confidential client's secret is 256 random bits, shown once and stored as its SHA-256:
a hash this fast is right for a random secret (nothing to guess), and the comparison is
made in constant time.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from authserver.errors import ServiceError, invalid
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.store.models import OAuthClient, database_proxy, utcnow
from contracts import Status

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", "device_code")
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token")
SCOPES = ("openid", "profile", "email", "offline_access")
DEFAULT_SCOPES = ("openid", "profile", "email")


@dataclass(frozen=True)
class Client:
    """A registered app, as the protocol code reads it."""

    id: int
    client_id: str
    name: str
    secret_hash: str | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    backchannel_logout_uri: str | None
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    public: bool
    first_party: bool
    access_token_seconds: int | None = None
    refresh_token_seconds: int | None = None
    id_token_seconds: int | None = None
    created_at: datetime | None = field(default=None, compare=False)
    # When the row last changed: introspection trusts a remembered client only while the
    # row it reads with the token still shows this (oauth/server.py).
    updated_at: datetime | None = field(default=None, compare=False)

    def check_secret(self, secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))

    def shown(self) -> dict:
        """What the operator sees of it (never the secret's digest)."""
        return {
            "client_id": self.client_id, "name": self.name,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "grant_types": list(self.grant_types), "scopes": list(self.scopes),
            "public": self.public, "first_party": self.first_party,
            "access_token_seconds": self.access_token_seconds,
            "refresh_token_seconds": self.refresh_token_seconds,
            "id_token_seconds": self.id_token_seconds,
            "created_at": self.created_at.isoformat() + "Z" if self.created_at else None,
        }


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _record(row: OAuthClient) -> Client:
    return Client(
        id=row.id, client_id=row.client_id, name=row.name, secret_hash=row.secret_hash,
        redirect_uris=tuple(json.loads(row.redirect_uris)),
        post_logout_redirect_uris=tuple(json.loads(row.post_logout_redirect_uris)),
        backchannel_logout_uri=row.backchannel_logout_uri,
        grant_types=tuple(row.grant_types.split()), scopes=tuple(row.scopes.split()),
        public=row.public, first_party=row.first_party,
        access_token_seconds=row.access_token_seconds,
        refresh_token_seconds=row.refresh_token_seconds,
        id_token_seconds=row.id_token_seconds, created_at=row.created_at,
        updated_at=row.updated_at,
    )


def find(client_id: str) -> Client | None:
    """The client with this client_id, or None (a data function)."""
    row = OAuthClient.get_or_none(OAuthClient.client_id == client_id)
    return _record(row) if row is not None else None


def find_by_id(ident: int) -> Client | None:
    row = OAuthClient.get_or_none(OAuthClient.id == ident)
    return _record(row) if row is not None else None


def any_registered() -> bool:
    return OAuthClient.select().exists()


def _all() -> list[Client]:
    return [_record(row) for row in OAuthClient.select().order_by(OAuthClient.id)]


@dataclass
class ClientSpec:
    """What the operator asks for; None leaves a field as it is (update)."""

    name: str | None = None
    redirect_uris: list[str] | None = None
    post_logout_redirect_uris: list[str] | None = None
    backchannel_logout_uri: str | None = None
    public: bool | None = None
    first_party: bool | None = None
    grant_types: list[str] | None = None
    scopes: list[str] | None = None
    access_token_seconds: int | None = None
    refresh_token_seconds: int | None = None
    id_token_seconds: int | None = None


def _check_uri(uri: str, what: str) -> str:
    """An absolute URI without a fragment; http only for loopback (RFC 8252) and
    development hosts is the operator's choice, so both schemes are taken."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise invalid(f"{what} must be an absolute http(s) URI without a fragment: {uri!r}")
    if len(uri) > 2000:
        raise invalid(f"{what} is longer than 2000 characters")
    return uri


def _columns(spec: ClientSpec) -> dict:
    """The columns a spec sets, checked."""
    columns: dict = {}
    if spec.name is not None:
        if not spec.name.strip() or len(spec.name) > 100:
            raise invalid("the name must be 1 to 100 characters")
        columns["name"] = spec.name.strip()
    if spec.redirect_uris is not None:
        columns["redirect_uris"] = json.dumps(
            [_check_uri(uri, "a redirect URI") for uri in spec.redirect_uris])
    if spec.post_logout_redirect_uris is not None:
        columns["post_logout_redirect_uris"] = json.dumps(
            [_check_uri(uri, "a post-logout redirect URI")
             for uri in spec.post_logout_redirect_uris])
    if spec.backchannel_logout_uri is not None:
        columns["backchannel_logout_uri"] = (
            _check_uri(spec.backchannel_logout_uri, "the back-channel logout URI")
            if spec.backchannel_logout_uri else None)
    if spec.grant_types is not None:
        unknown = set(spec.grant_types) - set(GRANT_TYPES)
        if unknown or not spec.grant_types:
            raise invalid(f"grant types are some of: {', '.join(GRANT_TYPES)}")
        columns["grant_types"] = " ".join(dict.fromkeys(spec.grant_types))
    if spec.scopes is not None:
        unknown = set(spec.scopes) - set(SCOPES)
        if unknown:
            raise invalid(f"scopes are some of: {', '.join(SCOPES)}")
        columns["scopes"] = " ".join(dict.fromkeys(spec.scopes))
    for name in ("public", "first_party", "access_token_seconds", "refresh_token_seconds",
                 "id_token_seconds"):
        value = getattr(spec, name)
        if value is not None:
            if name.endswith("_seconds") and not 1 <= value <= 366 * 86400:
                raise invalid(f"{name} must be between 1 and {366 * 86400}")
            columns[name] = value
    return columns


def _check_whole(client: Client) -> None:
    if "authorization_code" in client.grant_types and not client.redirect_uris:
        raise invalid("a client with the authorization_code grant needs a redirect URI")
    if client.public and "client_credentials" in client.grant_types:
        raise invalid("a public client has no secret, so it cannot use client_credentials")


def new_client_id() -> str:
    """16 random bytes, URL-safe, never starting with "-": one in 64 did, and every command
    line (`authcli apps revoke ID`, `authserver clients show ID`) took it for an option."""
    while (client_id := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return client_id


def _create(columns: dict) -> tuple[Client, str | None]:
    secret = None if columns.get("public") else secrets.token_urlsafe(32)
    now = utcnow()
    row = OAuthClient.create(
        client_id=new_client_id(),
        secret_hash=secret_digest(secret) if secret else None,
        created_at=now, updated_at=now, **columns)
    client = _record(row)
    _check_whole(client)
    return client, secret


async def create(ctx: Context, spec: ClientSpec, caller: Caller) -> tuple[Client, str | None]:
    """Register an app; its secret (None for a public client) is returned this once."""
    if spec.name is None or spec.redirect_uris is None:
        raise invalid("a client needs a name and its redirect URIs")
    columns = _columns(spec)
    columns.setdefault("grant_types", " ".join(DEFAULT_GRANT_TYPES))
    columns.setdefault("scopes", " ".join(DEFAULT_SCOPES))
    columns.setdefault("post_logout_redirect_uris", "[]")
    client, secret = await ctx.store.run(_in_transaction, _create, columns)
    await audit.record(ctx, "oauth_client_created", caller, detail=client.client_id)
    return client, secret


def _in_transaction(function, *args):
    # The whole row is checked after it is written: a refusal rolls it back.
    with database_proxy.obj.atomic():
        return function(*args)


async def listed(ctx: Context) -> list[Client]:
    return await ctx.store.run(_all)


async def show(ctx: Context, client_id: str) -> Client:
    client = await ctx.store.run(find, client_id)
    if client is None:
        raise ServiceError(Status.NOT_FOUND, f"There is no client {client_id!r}.")
    return client


def _update(client_id: str, columns: dict) -> Client | None:
    OAuthClient.update(updated_at=utcnow(), **columns).where(
        OAuthClient.client_id == client_id).execute()
    client = find(client_id)
    if client is not None:
        _check_whole(client)
    return client


async def update(ctx: Context, client_id: str, spec: ClientSpec, caller: Caller) -> Client:
    columns = _columns(spec)
    if spec.public:
        columns["secret_hash"] = None
    client = await ctx.store.run(_in_transaction, _update, client_id, columns)
    if client is None:
        raise ServiceError(Status.NOT_FOUND, f"There is no client {client_id!r}.")
    await audit.record(ctx, "oauth_client_updated", caller, detail=client_id)
    return client


async def rotate_secret(ctx: Context, client_id: str, caller: Caller) -> str:
    """A new secret for a confidential client; the old one stops working at once."""
    client = await show(ctx, client_id)
    if client.public:
        raise ServiceError(Status.FAILED_PRECONDITION, "A public client has no secret.")
    secret = secrets.token_urlsafe(32)
    await ctx.store.run(_update, client_id, {"secret_hash": secret_digest(secret)})
    await audit.record(ctx, "oauth_client_secret_rotated", caller, detail=client_id)
    return secret


def _delete(client_id: str) -> int:
    return OAuthClient.delete().where(OAuthClient.client_id == client_id).execute()


async def delete(ctx: Context, client_id: str, caller: Caller) -> None:
    """Remove an app; its grants, codes, tokens and consents go with it (cascade)."""
    if not await ctx.store.run(_delete, client_id):
        raise ServiceError(Status.NOT_FOUND, f"There is no client {client_id!r}.")
    await audit.record(ctx, "oauth_client_deleted", caller, detail=client_id)
