"""Field types shared by requests: the rules for usernames, emails, passwords and codes."""

from datetime import UTC, datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
CODE_PATTERN = r"^[0-9]{6}$"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
EMAIL_MAX_LENGTH = 254


def _normalised_email(value: str) -> str:
    """Check the address's shape and lower-case its domain; no DNS look-up."""
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return checked.normalized


Username = Annotated[
    str,
    StringConstraints(pattern=USERNAME_PATTERN),
    Field(description="3 to 32 characters: letters, digits, '_', '.' or '-'.", examples=["ada"]),
]
Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH, examples=["ada@example.com"]),
    AfterValidator(_normalised_email),
]
Password = Annotated[
    str,
    Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        examples=["correct horse battery"],
    ),
]
Code = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="The six ASCII digits sent by mail.", examples=["123456"]),
]
LoginName = Annotated[
    str,
    Field(min_length=1, max_length=EMAIL_MAX_LENGTH, description="A username or an email address."),
]
Token = Annotated[str, Field(min_length=1, max_length=256)]
TotpCode = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN),
    Field(description="The six digits your authenticator app shows now.", examples=["123456"]),
]
RECOVERY_CODE_PATTERN = r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$"
RecoveryCode = Annotated[
    str,
    StringConstraints(pattern=RECOVERY_CODE_PATTERN),
    Field(description="One of the ten recovery codes shown at enrolment (dash optional).",
          examples=["k7m2-q9xd"]),
]
Challenge = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,100}$"),
    Field(description="The challenge a login that needs a second factor answered with."),
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
