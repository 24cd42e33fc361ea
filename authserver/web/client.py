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


def is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    """Whether `address` is one of the TRUSTED_PROXIES (addresses or networks)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def caller_of(request: HTTPServerRequest, trusted_proxies: tuple[str, ...], *,
              channel: str = "rest", token: str | None = None,
              device: str | None = None, origin: str = "") -> Caller:
    """The Caller record of a request (REST, or the one that opened a socket)."""
    return Caller(
        ip=client_ip(request, trusted_proxies),
        user_agent=request.headers.get("User-Agent", "")[:300],
        token=token,
        channel=channel,
        device=device,
        origin=origin,
    )


def client_ip(request: HTTPServerRequest, trusted_proxies: tuple[str, ...]) -> str:
    """The peer address, or, behind a trusted proxy, the nearest untrusted hop it names.

    X-Forwarded-For is believed only from TRUSTED_PROXIES; walking it from the right stops
    at the first address no trusted proxy vouches for, so a client cannot forge its own.
    """
    address = request.remote_ip or ""
    if not trusted_proxies or not is_trusted(address, trusted_proxies):
        return address
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not is_trusted(hop, trusted_proxies):
            return hop
        address = hop
    return address


def scheme(request: HTTPServerRequest, trusted_proxies: tuple[str, ...]) -> str:
    """"https" when the client reached us over TLS: directly, or through a trusted proxy
    that says so in X-Forwarded-Proto (a header anyone else sends is ignored)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    if forwarded and is_trusted(request.remote_ip or "", trusted_proxies):
        # The proxy nearest to us appends last.
        return "https" if forwarded.split(",")[-1].strip().lower() == "https" else "http"
    return request.protocol


def own_origin(request: HTTPServerRequest, trusted_proxies: tuple[str, ...] = (),
               public_url: str | None = None) -> str:
    """The site's own origin: PUBLIC_URL's when set, else the one this request names."""
    if public_url:
        parts = urlsplit(public_url)
        return f"{parts.scheme}://{parts.netloc}"
    return f"{scheme(request, trusted_proxies)}://{request.host}"


def bearer_token(request: HTTPServerRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def same_origin(request: HTTPServerRequest, trusted_proxies: tuple[str, ...] = (),
                public_url: str | None = None) -> bool:
    """Does this request come from a page of ours? (Origin, else Referer, must match.)"""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = urlsplit(request.headers.get("Referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
    return origin == own_origin(request, trusted_proxies, public_url)


def cross_site(request: HTTPServerRequest, allowed_origins: tuple[str, ...],
               public_url: str | None = None) -> bool:
    """Does a browser say this request comes from another site's page?

    Its Origin, when sent, must be PUBLIC_URL's (when set), one naming the host this
    request is addressed to (either scheme: TLS may end at a proxy that does not say so)
    or an allowed one. With no Origin, Fetch Metadata naming another site is enough to
    refuse. A request with neither (authcli, curl, a server) is not a browser's.
    """
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin in allowed_origins:
            return False
        if public_url:
            return origin != own_origin(request, public_url=public_url)
        parts = urlsplit(origin)
        return parts.scheme not in ("http", "https") or parts.netloc != request.host
    return request.headers.get("Sec-Fetch-Site", "").lower() in ("cross-site", "same-site")
