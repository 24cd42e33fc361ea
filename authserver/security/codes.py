"""Six-digit codes, kept only as an HMAC keyed by SECRET_KEY and bound to their purpose."""

import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(secret_key: str, owner: str, code: str, purpose: str = "verification") -> str:
    """The stored form of a code, bound to its owner and its purpose: equal codes differ
    at rest, and a code mailed for one purpose never matches the digest of another."""
    message = f"{purpose}:{owner}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def code_matches(
    secret_key: str, owner: str, code: str, stored: str, purpose: str = "verification"
) -> bool:
    return hmac.compare_digest(code_digest(secret_key, owner, code, purpose), stored)
