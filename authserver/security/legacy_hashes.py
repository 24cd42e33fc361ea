"""Password hashes of the original Flask app (Werkzeug's format), checked with hashlib.

`scrypt:N:r:p$SALT$HEX` and `pbkdf2:HASH:ITERATIONS$SALT$HEX`, as Werkzeug writes them.
They are only ever checked, never made: a match is replaced by bcrypt at once (see
services/sessions/login.py).
"""

import hashlib
import hmac

PREFIXES = ("scrypt:", "pbkdf2:")


def is_legacy(password_hash: str | None) -> bool:
    return bool(password_hash and password_hash.startswith(PREFIXES))


def _derive(method: str, password: bytes, salt: bytes) -> bytes:
    kind, *parameters = method.split(":")
    if kind == "scrypt":
        n, r, p = (int(value) for value in parameters)
        return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=132 * n * r * p,
                              dklen=64)
    name, iterations = parameters
    return hashlib.pbkdf2_hmac(name, password, salt, int(iterations))


def matches(password: str, password_hash: str) -> bool:
    """Does `password` match a Werkzeug hash? A malformed hash matches nothing."""
    try:
        method, salt, expected = password_hash.split("$", 2)
        derived = _derive(method, password.encode("utf-8"), salt.encode("utf-8"))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived.hex(), expected)
