"""Device cookies (OWASP's "slow down online guessing attacks with device cookies").

A successful login leaves the client a signed cookie naming the account. Later, a login
that presents a valid one for the account it names is a client that has proved the
password before: it is not held back by the account-wide ceiling that strangers can
spend (a hundred guesses from many addresses would otherwise lock the owner out for a
day). Its own failures are counted per device cookie instead, and the per account and
address limit still applies to it.

The cookie is `<user id>.<nonce>.<HMAC>`; the HMAC, keyed by SECRET_KEY, covers the
other two, so a client can neither forge one nor move one to another account.
"""

import hashlib
import hmac
import secrets

DEVICE_COOKIE = "authserver_device"
DEVICE_COOKIE_DAYS = 365


def _signature(secret_key: str, user_id: int, nonce: str) -> str:
    message = f"device:{user_id}:{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def issue(secret_key: str, user_id: int) -> str:
    """A new device cookie value for `user_id` (a fresh nonce at each login)."""
    nonce = secrets.token_urlsafe(16)
    return f"{user_id}.{nonce}.{_signature(secret_key, user_id, nonce)}"


def device_of(secret_key: str, cookie: str | None, user_id: int) -> str | None:
    """The nonce of a valid device cookie for `user_id`, else None (absent, forged, other
    account)."""
    if not cookie or len(cookie) > 200:
        return None
    parts = cookie.split(".")
    if len(parts) != 3 or parts[0] != str(user_id):
        return None
    _, nonce, signature = parts
    if not hmac.compare_digest(_signature(secret_key, user_id, nonce), signature):
        return None
    return nonce
