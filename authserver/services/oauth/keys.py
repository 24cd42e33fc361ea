"""Signing keys: RS256, kept in the database with the private half sealed by SECRET_KEY
(under a label of its own, security/secretbox.py), so every worker signs with the same
key and a copy of the database alone cannot forge tokens.

Rotation publishes first and signs later: a new key is in the JWKS at once and signs from
OIDC_KEY_PUBLISH_SECONDS on, so apps that cache the JWKS learn it before they meet it.
The key it replaces stays published until every token it signed has expired.
"""

import asyncio
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from joserfc.jwk import KeySet, RSAKey
from peewee import fn

from authserver.security.secretbox import SIGNING_KEY_LABEL, SecretBox
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.settings import Settings
from authserver.store.database import Store
from authserver.store.models import OAuthClient, SigningKey, database_proxy, utcnow

ALGORITHM = "RS256"
KEY_BITS = 2048
ID_TOKEN_SECONDS = 3600

# kid -> the private key, parsed once per process (a kid never names another key).
_parsed: dict[str, RSAKey] = {}

# How long a process trusts its copy of the published keys before reading them again.
# A key another worker rotates in is met by a token only after the publish delay (it
# does not sign before), and a token naming a kid the copy lacks reads them at once; so
# the copy only has to notice in time that an old key's `published_until` was set, which
# is at least the longest token lifetime (an hour) ahead.
VERIFY_KEYS_SECONDS = 60.0


@dataclass(frozen=True)
class _Verifying:
    """A process's copy of the published public keys, parsed once."""

    database: object
    read_at: float
    keys: dict[str, tuple[RSAKey, datetime | None]]  # kid -> (key, published_until)


_verifying: _Verifying | None = None


@dataclass(frozen=True)
class KeyInfo:
    """What `keys list` shows of a key."""

    kid: str
    created_at: datetime
    signs_from: datetime
    retired_at: datetime | None
    published_until: datetime | None

    def state(self, now: datetime) -> str:
        if self.published_until is not None and self.published_until <= now:
            return "expired"
        if self.retired_at is not None and self.retired_at <= now:
            return "published"
        if self.signs_from > now:
            return "next"
        return "signing"


def _new_key() -> RSAKey:
    """A fresh key (some tens of milliseconds of work: run it in an executor)."""
    kid = secrets.token_urlsafe(12)
    return RSAKey.generate_key(KEY_BITS, parameters={"kid": kid, "use": "sig",
                                                     "alg": ALGORITHM}, private=True)


# SECRET_KEY_PREVIOUS during a rotation, installed once per process (`open_with_previous`)
_previous_secret: list[str] = []


def open_with_previous(previous: str | None) -> None:
    """During a SECRET_KEY rotation, open signing keys sealed under the old key too (until
    `authserver secret rotate` re-seals them)."""
    _previous_secret[:] = [previous] if previous else []


def _box(secret_key: str) -> SecretBox:
    return SecretBox(secret_key, label=SIGNING_KEY_LABEL,
                     previous=next(iter(_previous_secret), None))


def _longest_token_seconds(default_access: int) -> int:
    """How long a signed token may live, at most, over every client."""
    longest = max(default_access, ID_TOKEN_SECONDS)
    for column in (OAuthClient.access_token_seconds, OAuthClient.id_token_seconds):
        value = OAuthClient.select(fn.MAX(column)).scalar()
        if value:
            longest = max(longest, value)
    return longest


def _store(key: RSAKey, sealed: str, signs_from: datetime, default_access: int) -> None:
    now = utcnow()
    with database_proxy.obj.atomic():
        # The key signing until now retires when the new one starts; it stays published
        # as long as a token it signed may live.
        lifetime = timedelta(seconds=_longest_token_seconds(default_access))
        SigningKey.update(retired_at=signs_from, published_until=signs_from + lifetime).where(
            SigningKey.retired_at.is_null()).execute()
        SigningKey.create(kid=key.kid, private_jwk=sealed,
                          public_jwk=json.dumps(key.as_dict(private=False)),
                          created_at=now, signs_from=signs_from)


def _exists() -> bool:
    return SigningKey.select().exists()


async def _add(store: Store, settings: Settings, delay: float) -> str:
    key = await asyncio.get_running_loop().run_in_executor(None, _new_key)
    sealed = _box(settings.secret_key).seal(json.dumps(key.as_dict(private=True)))
    signs_from = utcnow() + timedelta(seconds=delay)
    await store.run(_store, key, sealed, signs_from, settings.oidc_access_token_seconds)
    assert key.kid is not None
    return key.kid


async def ensure_key(store: Store, settings: Settings) -> None:
    """Make the first key at first start (it signs at once: nothing was published before)."""
    if not await store.run(_exists):
        await _add(store, settings, 0)


async def rotate(ctx: Context, caller: Caller) -> KeyInfo:
    """Publish a new key now; it signs after OIDC_KEY_PUBLISH_SECONDS (at once when it is
    the first: no token is signed before it)."""
    first = not await ctx.store.run(_exists)
    delay = 0 if first else ctx.settings.oidc_key_publish_seconds
    kid = await _add(ctx.store, ctx.settings, delay)
    await audit.record(ctx, "oauth_key_rotated", caller, detail=kid)
    return next(info for info in await listed(ctx) if info.kid == kid)


def _all() -> list[KeyInfo]:
    return [KeyInfo(row.kid, row.created_at, row.signs_from, row.retired_at,
                    row.published_until)
            for row in SigningKey.select().order_by(SigningKey.created_at)]


async def listed(ctx: Context) -> list[KeyInfo]:
    return await ctx.store.run(_all)


def signing_key(secret_key: str) -> RSAKey:
    """The key that signs now: the newest whose time to sign has come (a data function)."""
    row = (SigningKey.select(SigningKey.kid, SigningKey.private_jwk)
           .where(SigningKey.signs_from <= utcnow())
           .order_by(SigningKey.signs_from.desc(), SigningKey.id.desc()).first())
    if row is None:
        raise LookupError("no signing key: the server makes one at start")
    key = _parsed.get(row.kid)
    if key is None:
        key = RSAKey.import_key(json.loads(_box(secret_key).open(row.private_jwk)))
        _parsed[row.kid] = key
    return key


def _published_rows():
    now = utcnow()
    return SigningKey.select(SigningKey.kid, SigningKey.public_jwk,
                             SigningKey.published_until).where(
        SigningKey.published_until.is_null() | (SigningKey.published_until > now)
    ).order_by(SigningKey.created_at.desc())


def verifying_key(kid: str | None) -> RSAKey | None:
    """The published public key named `kid`, from this process's parsed copy (a data
    function: it reads the keys again when the copy is older than VERIFY_KEYS_SECONDS,
    was read from another database, or lacks `kid`). Parsing every key on each token
    check was most of the cost of introspection and userinfo."""
    global _verifying
    if not kid:
        return None
    database, now = database_proxy.obj, time.monotonic()
    held = _verifying
    if (held is None or held.database is not database
            or now - held.read_at > VERIFY_KEYS_SECONDS or kid not in held.keys):
        parsed = dict(held.keys) if held is not None and held.database is database else {}
        fresh = {}
        for row in _published_rows():
            known = parsed.get(row.kid)
            key = known[0] if known else RSAKey.import_key(json.loads(row.public_jwk))
            fresh[row.kid] = (key, row.published_until)
        held = _verifying = _Verifying(database, now, fresh)
    found = held.keys.get(kid)
    if found is None:
        return None
    key, until = found
    return key if until is None or until > utcnow() else None


def held_verifying_key(kid: str | None) -> RSAKey | None:
    """The published key named `kid` from this process's copy, without the database:
    None also when the copy is due to be read again (the caller then takes the path
    that reads it, `verifying_key`)."""
    held = _verifying
    if (not kid or held is None or held.database is not database_proxy.obj
            or time.monotonic() - held.read_at > VERIFY_KEYS_SECONDS):
        return None
    found = held.keys.get(kid)
    if found is None:
        return None
    key, until = found
    return key if until is None or until > utcnow() else None


def published() -> KeySet:
    """Every key an app may meet: those not yet signing, the one signing, and retired
    ones whose tokens may still be alive (a data function)."""
    return KeySet([RSAKey.import_key(json.loads(row.public_jwk))
                   for row in _published_rows()])
