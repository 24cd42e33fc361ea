"""Who is calling: client address, user agent, session token, and whether the request
comes from our own origin."""

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from tornado.httputil import HTTPServerRequest

from authserver.services.context import Caller

SESSION_COOKIE = "authserver_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=64)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def caller_of(request: HTTPServerRequest, trusted_proxies: tuple[str, ...], *,
              channel: str = "rest", token: str | None = None) -> Caller:
    """The Caller record of a request (REST, or the one that opened a socket)."""
    return Caller(
        ip=client_ip(request, trusted_proxies),
        user_agent=request.headers.get("User-Agent", "")[:300],
        token=token,
        channel=channel,
    )


def client_ip(request: HTTPServerRequest, trusted_proxies: tuple[str, ...]) -> str:
    """The peer address, or, behind a trusted proxy, the nearest untrusted hop it names.

    X-Forwarded-For is believed only from TRUSTED_PROXIES; walking it from the right stops
    at the first address no trusted proxy vouches for, so a client cannot forge its own.
    """
    address = request.remote_ip or ""
    if not trusted_proxies or not _is_trusted(address, trusted_proxies):
        return address
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _is_trusted(hop, trusted_proxies):
            return hop
        address = hop
    return address


def own_origin(request: HTTPServerRequest) -> str:
    return f"{request.protocol}://{request.host}"


def bearer_token(request: HTTPServerRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def same_origin(request: HTTPServerRequest) -> bool:
    """Does this request come from a page of ours? (Origin, else Referer, must match.)"""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = urlsplit(request.headers.get("Referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
    return origin == own_origin(request)
