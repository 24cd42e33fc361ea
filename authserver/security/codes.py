"""Six-digit codes mailed to people (verification, password reset, email change), kept
only as an HMAC keyed by SECRET_KEY and bound to their purpose, and the rules for guessing
at them.

A code allows MAX_TRIES_PER_CLIENT wrong tries from each client (the `code_client`
rate limit, keyed by `attempt_key`) and MAX_TRIES_PER_CODE evaluations in all. So a
stranger who knows the address cannot use up the owner's code with five bad guesses,
and guessing stays bounded: 20 tries at a million codes.
"""

import hashlib
import hmac
import secrets

CODE_DIGITS = 6
MAX_TRIES_PER_CODE = 20
CODE_CLIENT_LIMIT = "code_client"


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


def attempt_key(purpose: str, address: str, stored: str | None, client: str) -> str:
    """The rate-limit key of one client's tries at one code (`stored`, its digest).

    An address with no live code (unknown, verified, expired) gets a key of the same
    shape, so its refusals come at the same count: the limit tells nothing about the
    address. A new code starts a new count. The address is kept only as a digest.
    """
    address_id = hashlib.sha256(address.encode()).hexdigest()[:24]
    code_id = stored[:16] if stored else "-"
    return f"{purpose}:{address_id}:{code_id}|{client}"
