"""Which function serves each call of the contracts' service table."""

from authserver.errors import ServiceError
from authserver.services.health import health
from authserver.services.login import login
from authserver.services.sessions import logout, me
from authserver.services.signup import signup
from authserver.services.verification import resend_verification, verify_email
from contracts import Status


async def _being_built(ctx, request, caller):
    """Answers the account lifecycle calls whose service is not written yet (issue 18)."""
    raise ServiceError(Status.UNAVAILABLE, "This call is not available yet.")


SERVICES = {
    "health": health,
    "signup": signup,
    "verify_email": verify_email,
    "login": login,
    "resend_verification": resend_verification,
    "me": me,
    "logout": logout,
    "forgot_password": _being_built,
    "reset_password": _being_built,
    "change_password": _being_built,
    "change_email": _being_built,
    "confirm_email": _being_built,
    "list_sessions": _being_built,
    "revoke_session": _being_built,
    "revoke_other_sessions": _being_built,
    "logout_all": _being_built,
    "delete_account": _being_built,
}
