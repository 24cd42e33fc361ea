"""What an app is told about a person: the claims each scope opens, the same in the ID
token and at userinfo, and how and when the session signed in (`amr`, `auth_time`).

`sub` is the account's random identifier (never its integer id); `sid` names the
authserver session without giving its id away.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from authserver.store.models import Session, User

METHODS_PASSWORD = "pwd"  # noqa: S105 - an RFC 8176 method name
# A TOTP code and a recovery code alike are one-time passwords after the password.
METHODS_SECOND_FACTOR = "pwd otp mfa"
METHODS_PASSKEY = "hwk"
# Approved from another signed-in device: a second channel after the password.
METHODS_APPROVAL = "pwd mca mfa"


def epoch(moment: datetime) -> float:
    """A stored time (naive, UTC) in seconds since the epoch, as JWT claims count time."""
    return moment.replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Person:
    """The account a grant speaks for (Authlib's "user")."""

    id: int
    sub: str
    username: str
    email: str
    email_verified: bool

    def get_user_id(self) -> int:
        return self.id


def person(user_id: int) -> Person | None:
    """The account, if it still exists (a data function)."""
    row = User.get_or_none(User.id == user_id)
    if row is None:
        return None
    return Person(row.id, row.sub, row.username, row.email, row.is_verified)


def for_scope(who: Person, scope: str) -> dict:
    """The claims `scope` opens (OIDC Core 5.4)."""
    scopes = set(scope.split())
    claims: dict = {"sub": who.sub}
    if "profile" in scopes:
        claims["preferred_username"] = who.username
    if "email" in scopes:
        claims["email"] = who.email
        claims["email_verified"] = who.email_verified
    return claims


@dataclass(frozen=True)
class SignIn:
    """How a session signed in, and when."""

    session_id: int
    auth_time: datetime
    amr: tuple[str, ...]


def sign_in(session_id: int) -> SignIn | None:
    row = Session.get_or_none(Session.id == session_id)
    if row is None:
        return None
    # Sessions from before the column existed signed in with a password.
    return SignIn(row.id, row.created_at, tuple((row.amr or METHODS_PASSWORD).split()))


def session_sid(secret_key: str, session_id: int) -> str:
    """The `sid` apps see for a session: stable, and not its database id."""
    digest = hmac.new(secret_key.encode(), f"oidc sid {session_id}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")
