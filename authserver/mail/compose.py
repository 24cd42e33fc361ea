"""The words of the mails the server sends."""

from dataclasses import dataclass

from authserver.security.codes import CODE_DIGITS


@dataclass(frozen=True)
class Letter:
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class Brand:
    """Whose mail it is (APP_NAME) and where to ask for help (SUPPORT_EMAIL): every mail
    is signed with them as it is sent, so no letter below can forget to."""

    app_name: str = "authserver"
    support_email: str | None = None

    def sign(self, letter: Letter) -> Letter:
        help_line = f"Questions? Write to {self.support_email}\n" if self.support_email else ""
        return Letter(recipient=letter.recipient,
                      subject=f"{self.app_name}: {letter.subject}",
                      body=f"{letter.body}\n-- \n{self.app_name}\n{help_line}")


UNBRANDED = Brand()


def _hours(hours: float) -> str:
    whole = max(1, round(hours))
    return f"{whole} hour{'' if whole == 1 else 's'}"


def verification_letter(
    *, recipient: str, username: str, code: str, hours_valid: int, unverified_ttl_hours: float
) -> Letter:
    """The code that proves an address; it names the account it verifies, so a person who
    did not sign up knows someone else used their address, and what happens then."""
    return Letter(
        recipient=recipient,
        subject=f"Your verification code: {code}",
        body=(
            f"Hello {username},\n\n"
            f"Your {CODE_DIGITS}-digit verification code is: {code}\n\n"
            f"It verifies the account '{username}' for this address. It is valid for\n"
            f"{_hours(hours_valid)} and works once.\n\n"
            f"If you did not sign up as '{username}', someone else typed your address.\n"
            "Do not enter this code anywhere. Nobody can log in to that account without\n"
            "it, and it is removed if it stays unverified for "
            f"{_hours(unverified_ttl_hours)}.\n"
            "You can sign up with this address yourself at any time: your sign-up\n"
            "replaces the unverified one.\n"
        ),
    )


def password_reset_letter(
    *, recipient: str, username: str, code: str, minutes_valid: int
) -> Letter:
    return Letter(
        recipient=recipient,
        subject=f"Your password reset code: {code}",
        body=(
            f"Hello {username},\n\n"
            f"Your {CODE_DIGITS}-digit password reset code is: {code}\n\n"
            f"Enter it with a new password to reset the password of '{username}'.\n"
            f"It is valid for {minutes_valid} minutes and works once. Resetting ends every\n"
            "session of the account.\n\n"
            "If you did not ask for it, ignore this mail: your password stays as it is.\n"
        ),
    )


def password_changed_letter(*, recipient: str, username: str, how: str,
                            summary: str = "") -> Letter:
    """The notice after a reset or a change, so a change the owner did not make is seen;
    after a reset, `summary` lists the passkeys and factors that also log in."""
    return Letter(
        recipient=recipient,
        subject="Your password was changed",
        body=(
            f"Hello {username},\n\n"
            f"The password of your account '{username}' was changed ({how}).\n\n"
            "If that was not you, reset your password now with \"Forgot password?\" on\n"
            "the login page: the reset ends every session of the account.\n"
            + (f"\n{summary}" if summary else "")
        ),
    )


def email_change_letter(*, recipient: str, username: str, code: str, hours_valid: int) -> Letter:
    return Letter(
        recipient=recipient,
        subject=f"Your email change code: {code}",
        body=(
            f"Hello {username},\n\n"
            f"Your {CODE_DIGITS}-digit email change code is: {code}\n\n"
            f"Enter it while logged in as '{username}' to make this address the account's\n"
            f"address. It is valid for {_hours(hours_valid)} and works once.\n\n"
            "If you did not ask for it, ignore this mail: nothing changes.\n"
        ),
    )


def email_changed_letter(*, recipient: str, username: str, new_email: str) -> Letter:
    """Sent to the old address once the new one is proved."""
    return Letter(
        recipient=recipient,
        subject="Your email address was changed",
        body=(
            f"Hello {username},\n\n"
            f"The address of your account '{username}' is now {new_email}.\n"
            "Mail for the account goes there from now on.\n\n"
            "If that was not you, someone has your password: write to the operator of\n"
            "this server.\n"
        ),
    )


def account_deleted_letter(*, recipient: str, username: str) -> Letter:
    return Letter(
        recipient=recipient,
        subject="Your account was deleted",
        body=(
            f"Hello {username},\n\n"
            f"The account '{username}' and its sessions were deleted at its owner's\n"
            "request. Its username and this address are free to use again.\n"
        ),
    )


def recovery_code_used_letter(*, recipient: str, username: str, left: int) -> Letter:
    """Sent each time a recovery code logs in, so a stolen sheet of codes is noticed."""
    return Letter(
        recipient=recipient,
        subject="A recovery code was used",
        body=(
            f"Hello {username},\n\n"
            f"One of the recovery codes of your account '{username}' was just used instead\n"
            f"of the authenticator app. It works no more; {left} unused code"
            f"{'' if left == 1 else 's'} left.\n\n"
            "If that was not you, someone has your password and your recovery codes:\n"
            "change your password and make new recovery codes on the Account page.\n"
        ),
    )


def approval_toggled_letter(*, recipient: str, username: str, on: bool) -> Letter:
    """Approval from signed-in devices turned on or off: a notice, as for TOTP."""
    if on:
        subject = "New sign-ins now need approval from your devices"
        change = (f"A new device logging in as '{username}' now needs your approval from a\n"
                  "device you are already signed in on: pick the number it shows.\n")
    else:
        subject = "New sign-ins no longer need approval from your devices"
        change = (f"Logging in as '{username}' from a new device no longer asks your\n"
                  "signed-in devices for approval.\n")
    return Letter(
        recipient=recipient,
        subject=subject,
        body=(f"Hello {username},\n\n{change}\n"
              "If that was not you, change your password now.\n"),
    )


def approval_refused_letter(*, recipient: str, username: str, device: str, ip: str,
                            wrong_number: bool) -> Letter:
    """A sign-in with the right password was refused on a signed-in device: someone
    else may know the password."""
    how = ("a wrong number was picked" if wrong_number
           else "you answered \"No, it's not me\"")
    return Letter(
        recipient=recipient,
        subject="A sign-in with your password was refused",
        body=(
            f"Hello {username},\n\n"
            f"Someone logged in as '{username}' with the right password from\n"
            f"{device or 'an unknown device'} ({ip}), and {how} on one of your signed-in\n"
            "devices, so that sign-in was stopped.\n\n"
            "If it was not you, your password is known to someone else: change it now\n"
            "(changing it ends every other session).\n"
        ),
    )


def totp_disabled_letter(*, recipient: str, username: str) -> Letter:
    return Letter(
        recipient=recipient,
        subject="Two-step login was turned off",
        body=(
            f"Hello {username},\n\n"
            f"The authenticator app is no longer asked for when '{username}' logs in:\n"
            "a password alone is enough again.\n\n"
            "If that was not you, change your password now and turn it on again.\n"
        ),
    )


def credentials_changed_letter(*, recipient: str, username: str, what: str) -> Letter:
    """Sent after each change to the ways into an account (a passkey added, two-step
    login turned on, new recovery codes), so a change the owner did not make is seen."""
    return Letter(
        recipient=recipient,
        subject=f"Your account: {what}",
        body=(
            f"Hello {username},\n\n"
            f"On your account '{username}': {what}.\n\n"
            "If that was not you, someone has your password. Reset it now with \"Forgot\n"
            "password?\" on the login page (that ends every session), then look at the\n"
            "passkeys and two-step login on the Account page and remove what you do not\n"
            "know.\n"
        ),
    )


def reset_summary(passkeys: list[str], factors: list[str]) -> str:
    """What else logs in to an account, as a reset's mail and reply list it."""
    lines = [f"- passkey \"{name}\"" for name in passkeys] + [f"- {f}" for f in factors]
    if not lines:
        return "Nothing else logs in to the account: no passkey, no two-step login.\n"
    return ("These also log in to the account; remove on the Account page any you do\n"
            "not know:\n" + "\n".join(lines) + "\n")


def email_move_refused_letter(*, recipient: str, username: str) -> Letter:
    """Sent instead of a code when someone asks to move another account to an address a
    verified account holds: its owner learns of it, the asker learns nothing."""
    return Letter(
        recipient=recipient,
        subject="Someone tried to move an account to this address",
        body=(
            f"Hello {username},\n\n"
            "Someone logged in to another account asked to make this address that\n"
            f"account's address. It is the address of your account '{username}', so no\n"
            "code was sent and nothing changed.\n\n"
            "You need not do anything. If it happens again and again, write to the\n"
            "operator of this server.\n"
        ),
    )
