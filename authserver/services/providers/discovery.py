"""What an outside provider publishes: its discovery document (OIDC Discovery 1.0) and
its JWKS, fetched with aiohttp (never blocking the loop) and kept for a while.

The document is refreshed after DOCUMENT_SECONDS; the key set too, and at once when an
ID token names a key it does not hold (the provider rotated), at most once a minute per
issuer so a stream of forged `kid`s cannot make us hammer it. The document's `issuer`
must be the configured issuer exactly (Discovery 4.3): a document that claims another
is refused, so one provider cannot speak for another.
"""

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp

from authserver.errors import ServiceError
from contracts import Status

DOCUMENT_SECONDS = 3600.0
KEYS_REFETCH_SECONDS = 60.0
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(ServiceError):
    """The provider could not be reached or published something unusable (a 502)."""

    def __init__(self, message: str) -> None:
        super().__init__(Status.UNAVAILABLE, message)


@dataclass
class Published:
    document: dict
    keys: dict
    fetched_at: float
    keys_fetched_at: float


@dataclass
class Discovery:
    """One per process: issuer -> what it published, and a lock per issuer so
    concurrent sign-ins share one fetch."""

    cache: dict[str, Published] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def published(self, issuer: str) -> Published:
        found = self.cache.get(issuer)
        if found is not None and time.monotonic() - found.fetched_at < DOCUMENT_SECONDS:
            return found
        async with self.locks.setdefault(issuer, asyncio.Lock()):
            found = self.cache.get(issuer)
            if found is None or time.monotonic() - found.fetched_at >= DOCUMENT_SECONDS:
                found = await _fetch(issuer)
                self.cache[issuer] = found
        return found

    async def refresh_keys(self, issuer: str) -> Published:
        """New keys, when an ID token names one we lack (at most once a minute)."""
        found = await self.published(issuer)
        async with self.locks.setdefault(issuer, asyncio.Lock()):
            if time.monotonic() - found.keys_fetched_at >= KEYS_REFETCH_SECONDS:
                found.keys = await _get_json(found.document["jwks_uri"], "its keys")
                found.keys_fetched_at = time.monotonic()
        return found

    def forget(self, issuer: str) -> None:
        self.cache.pop(issuer, None)


async def _get_json(url: str, what: str) -> dict:
    try:
        async with aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as session, \
                session.get(url, headers={"Accept": "application/json"}) as reply:
            if reply.status != 200:
                raise ProviderUnavailable(f"The provider answered {reply.status} for {what}.")
            body = await reply.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise ProviderUnavailable(f"The provider could not be reached for {what} "
                                  f"({type(error).__name__}).") from None
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"The provider's {what} is not a JSON object.")
    return body


async def _fetch(issuer: str) -> Published:
    document = await _get_json(issuer + "/.well-known/openid-configuration",
                               "its discovery document")
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            f"The provider's discovery document names issuer {document.get('issuer')!r}, "
            f"not {issuer!r}.")
    missing = [name for name in REQUIRED if not isinstance(document.get(name), str)]
    if missing:
        raise ProviderUnavailable(f"The provider's discovery document lacks {', '.join(missing)}.")
    keys = await _get_json(document["jwks_uri"], "its keys")
    now = time.monotonic()
    return Published(document=document, keys=keys, fetched_at=now, keys_fetched_at=now)
