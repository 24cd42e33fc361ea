"""The signed tokens: access tokens as JWTs per RFC 9068 (an app may check one offline
against the JWKS) and ID tokens per OIDC Core, both RS256 with the signing key's `kid`.
Refresh tokens are not signed: they are random and known to the database by digest."""

import hashlib
import secrets
import time
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError, MissingKeyError
from joserfc.jwk import GuestProtocol, RSAKey

from authserver.services.oauth import keys

REFRESH_TOKEN_BYTES = 32
VERIFIED_MAX = 10_000


@dataclass(frozen=True)
class Minted:
    token: str
    jti: str
    issued_at: int
    expires_at: int


def _sign(header: dict, claims: dict, secret_key: str) -> str:
    key = keys.signing_key(secret_key)
    header = {**header, "alg": keys.ALGORITHM, "kid": key.kid}
    return jwt.encode(header, claims, key, algorithms=[keys.ALGORITHM])


def access_token(secret_key: str, *, issuer: str, client_id: str, subject: str, scope: str,
                 seconds: int, auth_time: int | None = None) -> Minted:
    """An RFC 9068 access token (a data function: it reads the signing key)."""
    now = int(time.time())
    jti = secrets.token_urlsafe(18)
    claims = {"iss": issuer, "sub": subject, "aud": client_id, "client_id": client_id,
              "scope": scope, "jti": jti, "iat": now, "exp": now + seconds}
    if auth_time is not None:
        claims["auth_time"] = auth_time
    token = _sign({"typ": "at+jwt"}, claims, secret_key)
    return Minted(token, jti, now, now + seconds)


def id_token(secret_key: str, *, issuer: str, client_id: str, claims: dict,
             seconds: int) -> str:
    """An ID token carrying `claims` (sub, auth_time, nonce, sid, amr, scope claims)."""
    now = int(time.time())
    body = {"iss": issuer, "aud": client_id, "iat": now, "exp": now + seconds, **claims}
    return _sign({"typ": "JWT"}, body, secret_key)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def _published_key(token: GuestProtocol) -> RSAKey:
    """The published key the token's `kid` names (parsed once per process: keys)."""
    key = keys.verifying_key(token.headers().get("kid"))
    if key is None:
        raise MissingKeyError()
    return key


# SHA-256 of an access token -> (its claims, its kid), for tokens whose signature was
# checked in this process. The signature of a given string never changes, so only what
# can change is asked again on each use: the expiry, and whether the key is still
# published (keys.verifying_key). Whether the grant stands is the database's to say.
_verified: dict[bytes, tuple[dict, str]] = {}


def verify_access_token(token: str, *, issuer: str) -> dict | None:
    """The claims of an access token we signed and that has not expired, else None
    (whether its grant still stands is the database's to say: grants.access_state).
    A token verified before is not verified again (RS256 was a tenth of an
    introspection): its claims are remembered until it expires. A data function."""
    token_key = hashlib.sha256(token.encode()).digest()
    if token_key in _verified:
        return _remembered(token_key, issuer, keys.verifying_key)
    claims = _verify(token)
    if claims is None:
        return None
    if len(_verified) >= VERIFIED_MAX:
        _verified.clear()
    _verified[token_key] = (claims, claims.pop("_kid"))
    return _remembered(token_key, issuer, keys.verifying_key)


def remembered_access_token(token: str, *, issuer: str) -> dict | None:
    """`verify_access_token` without the database or the signature check: the claims of
    a token this process verified, still unexpired and its key still published; None
    otherwise, also when unsure (the caller then takes the full path)."""
    return _remembered(hashlib.sha256(token.encode()).digest(), issuer,
                       keys.held_verifying_key)


def _remembered(token_key: bytes, issuer: str, key_of) -> dict | None:
    known = _verified.get(token_key)
    if known is None:
        return None
    claims, kid = known
    if claims["exp"] <= time.time():
        _verified.pop(token_key, None)
        return None
    if key_of(kid) is None or claims.get("iss") != issuer:
        return None
    return dict(claims)


def _verify(token: str) -> dict | None:
    """The claims of a token signed by a published key, typed at+jwt and not expired,
    with the key's id under `_kid`; else None."""
    try:
        decoded = jwt.decode(token, _published_key, algorithms=[keys.ALGORITHM])
    except (JoseError, ValueError):  # forged, garbled, or signed by a key no longer published
        return None
    if decoded.header.get("typ") != "at+jwt":
        return None
    claims = dict(decoded.claims)
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        return None
    claims["_kid"] = decoded.header.get("kid")
    return claims


def read_id_token_hint(token: str, *, issuer: str) -> dict | None:
    """The claims of an ID token we signed, expired or not (OIDC RP-Initiated Logout 2:
    a hint may be presented after its expiry), else None."""
    try:
        decoded = jwt.decode(token, _published_key, algorithms=[keys.ALGORITHM])
    except (JoseError, ValueError):
        return None
    claims = dict(decoded.claims)
    if claims.get("iss") != issuer or decoded.header.get("typ") == "at+jwt":
        return None
    return claims
