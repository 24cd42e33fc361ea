"""The words of the mails the server sends."""

from dataclasses import dataclass

from authserver.security.codes import CODE_DIGITS


@dataclass(frozen=True)
class Letter:
    recipient: str
    subject: str
    body: str


def verification_letter(*, recipient: str, username: str, code: str, hours_valid: int) -> Letter:
    return Letter(
        recipient=recipient,
        subject=f"Your verification code: {code}",
        body=(
            f"Hello {username},\n\n"
            f"Your {CODE_DIGITS}-digit verification code is: {code}\n\n"
            f"It is valid for {hours_valid} hours and works once. If you did not sign up,\n"
            "you can ignore this mail.\n"
        ),
    )
