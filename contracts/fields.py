"""Field types shared by requests: the rules for usernames, emails, passwords and codes.

No text field takes a control character (C0, DEL or C1: NUL, CR, LF, ESC ...): they
have no place in a name, a password or a chat line, and they break what reads them
later (PostgreSQL refuses NUL in text, terminals obey escapes, mail headers split on
CR LF).
"""

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
CODE_PATTERN = r"^[0-9]{6}$"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
EMAIL_MAX_LENGTH = 254


CONTROL_CHARACTERS = "control_characters"
"""The pydantic error type of a text holding a control character."""


def _no_control_characters(value):
    """Refuse a string holding a control character, before any other rule looks at it."""
    if isinstance(value, str) and any(unicodedata.category(char) == "Cc" for char in value):
        raise PydanticCustomError(CONTROL_CHARACTERS, "control characters are not allowed")
    return value


Text = BeforeValidator(_no_control_characters)
"""Put last in the Annotated of every text field, so that it runs first."""

# An RFC 2047 encoded word ("=?utf-8?q?alice?=") in an address: mail software may
# decode it into another mailbox than the one the address names.
_ENCODED_WORD = re.compile(r"=\?")
def lookup_key(value: str) -> str:
    """The form under which a username or email address is unique and looked up: case
    never tells two accounts apart."""
    return value.lower()


def _normalised_email(value: str) -> str:
    """Check the address's shape and lower-case its domain; no DNS look-up."""
    if _ENCODED_WORD.search(value):
        raise ValueError("not a valid email address: '=?' (an encoded word) is not allowed")
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return checked.normalized


Username = Annotated[
    str,
    StringConstraints(pattern=USERNAME_PATTERN),
    Field(description="3 to 32 characters: letters, digits, '_', '.' or '-'.", examples=["ada"]),
    Text,
]
Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH, examples=["ada@example.com"]),
    AfterValidator(_normalised_email),
    Text,
]
Password = Annotated[
    str,
    Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        examples=["correct horse battery"],
    ),
    Text,
]
Code = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="The six ASCII digits sent by mail.", examples=["123456"]),
    Text,
]
LoginName = Annotated[
    str,
    Field(min_length=1, max_length=EMAIL_MAX_LENGTH, description="A username or an email address."),
    Text,
]
Token = Annotated[str, Field(min_length=1, max_length=256), Text]
TotpCode = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="The six digits your authenticator app shows now.", examples=["123456"]),
    Text,
]
RECOVERY_CODE_PATTERN = r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$"
RecoveryCode = Annotated[
    str,
    StringConstraints(pattern=RECOVERY_CODE_PATTERN),
    Field(description="One of the ten recovery codes shown at enrolment (dash optional).",
          examples=["k7m2-q9xd"]),
    Text,
]
PasskeyName = Annotated[
    str,
    Field(max_length=60, description="A name to tell a passkey apart.", examples=["laptop"]),
    Text,
]
Challenge = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,100}$"),
    Field(description="The challenge a login that needs a second factor answered with."),
    Text,
]


FIELD_RULES = {
    "username": "A username is 3 to 32 characters: letters, digits, '_', '.' or '-'.",
    "password": (
        f"A password is {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long."
    ),
    "code": "A code is 6 digits: from the mail we sent you, or from your authenticator app.",
    "email": "That does not look like an email address.",
    "recovery_code": "A recovery code is 8 letters or digits, as shown at enrolment "
                     "(for example k7m2-q9xd).",
    "challenge": "The challenge is the one the login step answered with.",
    "cursor": "The cursor is a page's next_cursor, passed back as it came.",
}
"""What to tell a person whose value for a field was refused."""


def _in_utc(value: datetime) -> datetime:
    """A time in UTC, offset included; a naive one (how the server stores them) is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = Annotated[
    datetime,
    AfterValidator(_in_utc),
    Field(description="ISO 8601, in UTC, with its offset (Z).",
          examples=["2026-12-02T09:30:00Z"]),
]
