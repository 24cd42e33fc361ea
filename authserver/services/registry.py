"""Which function serves each call of the contracts' service table."""

from authserver.services.health import health, ready
from authserver.services.login import login
from authserver.services.sessions import logout, me
from authserver.services.signup import signup
from authserver.services.verification import resend_verification, verify_email

SERVICES = {
    "health": health,
    "ready": ready,
    "signup": signup,
    "verify_email": verify_email,
    "login": login,
    "resend_verification": resend_verification,
    "me": me,
    "logout": logout,
}
