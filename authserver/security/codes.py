"""Six-digit codes mailed to people (verification, password reset, email change), kept
only as an HMAC keyed by SECRET_KEY and bound to their purpose, and the rules for guessing
at them.

A code belongs to the client that asked for it (its `asker`: the address or IPv6 /64,
and the device cookie, as digests). Every client has MAX_TRIES_PER_CLIENT wrong tries at
a code (the `code_client` rate limit, keyed by `attempt_key`); the clients that did not
ask share MAX_TRIES_PER_CODE evaluations besides, which never spend the asker's. So
strangers who know the address cannot use up the owner's code from many addresses, and
their guessing stays bounded: 20 tries at a million codes. A code the others can no
longer try answers them as a wrong code does, as an address with no account does.
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


def _short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def asker(client: str, device: str | None) -> str:
    """What a code remembers of the client that asked for it: digests of its address
    (or /64) and of its device cookie, if it has one."""
    return f"{_short(client)}:{_short(device) if device else ''}"


def is_asker(stored: str | None, client: str, device: str | None) -> bool:
    """Whether the client (address, or device cookie) is the one that asked for the code."""
    if not stored:
        return False
    address, _, cookie = stored.partition(":")
    return hmac.compare_digest(address, _short(client)) or bool(
        cookie and device and hmac.compare_digest(cookie, _short(device)))
