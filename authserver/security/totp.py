"""TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1: what every authenticator app does)
and the one-use recovery codes that stand in for it."""

import base64
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg

STEP_SECONDS = 30
# A code of the step before or after now is still taken: phones' clocks drift and people
# type slowly. Replay is stopped by remembering the last step used, not by the window.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """`uri` as a QR code in an SVG image, as a data: URI the web UI can show (drawn
    here: no outside service ever sees the secret)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code `code` is, within DRIFT_STEPS of now; None if none is."""
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like `k7m2-q9xd` (about 39 bits each)."""
    return [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(2)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def normal_recovery_code(code: str) -> str:
    """The form codes are stored in: lower case, without the dash."""
    return code.replace("-", "").lower()
