"""The service table: every REST call, like the `service` block of a .proto file.

The server's routes, the OpenAPI document and the CLI's client stub are all derived
from `CALLS`; nothing else names a route or a payload shape.
"""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from contracts import messages as m
from contracts.errors import Status

Request = TypeVar("Request", bound=BaseModel)
Reply = TypeVar("Reply", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[Request, Reply]):
    """One REST call: its request and reply types, route, success status and errors.

    Generic over the two types, so a client given `SIGNUP` is known to send a
    SignupRequest and get a SignupReply back."""

    name: str
    method: str
    route: str
    request: type[Request]
    reply: type[Reply]
    status: int
    errors: tuple[Status, ...]
    summary: str
    authenticated: bool = False


_BODY = (Status.INVALID_ARGUMENT, Status.PAYLOAD_TOO_LARGE, Status.UNSUPPORTED_MEDIA_TYPE,
         Status.RESOURCE_EXHAUSTED)
# A signed-in call with a body: no or a dead session is UNAUTHENTICATED; the session
# cookie sent from another site's page is PERMISSION_DENIED.
_SIGNED_IN_BODY = (*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED)

HEALTH = Call(
    name="health",
    method="GET",
    route="/api/health",
    request=m.Empty,
    reply=m.Health,
    status=200,
    errors=(Status.UNAVAILABLE,),
    summary="Is the server up and its database reachable?",
)

READY = Call(
    name="ready",
    method="GET",
    route="/api/ready",
    request=m.Empty,
    reply=m.Ready,
    status=200,
    errors=(Status.UNAVAILABLE,),
    summary="Can this process serve: database reachable, schema current, mail sender "
    "running, not stopping?",
)

SIGNUP = Call(
    name="signup",
    method="POST",
    route="/api/signup",
    request=m.SignupRequest,
    reply=m.SignupReply,
    status=201,
    errors=(*_BODY, Status.ALREADY_EXISTS),
    summary="Create an account; a 6-digit code is mailed to the address.",
)

VERIFY_EMAIL = Call(
    name="verify_email",
    method="POST",
    route="/api/verify-email",
    request=m.VerifyEmailRequest,
    reply=m.Notice,
    status=200,
    errors=_BODY,
    summary="Prove the address with the code it received.",
)

LOGIN = Call(
    name="login",
    method="POST",
    route="/api/login",
    request=m.LoginRequest,
    reply=m.LoginReply,
    status=200,
    errors=(*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED),
    summary="Exchange a username (or email) and password for a session token.",
)

RESEND_VERIFICATION = Call(
    name="resend_verification",
    method="POST",
    route="/api/resend-verification",
    request=m.ResendRequest,
    reply=m.Notice,
    status=200,
    errors=_BODY,
    summary="Mail a new code; the reply is the same whether or not the address exists.",
)

ME = Call(
    name="me",
    method="GET",
    route="/api/me",
    request=m.Empty,
    reply=m.User,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="Who holds this session token?",
    authenticated=True,
)

LOGOUT = Call(
    name="logout",
    method="POST",
    route="/api/logout",
    request=m.Empty,
    reply=m.Notice,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="Revoke this session token everywhere it is used.",
    authenticated=True,
)

FORGOT_PASSWORD = Call(
    name="forgot_password",
    method="POST",
    route="/api/password/forgot",
    request=m.ForgotPasswordRequest,
    reply=m.Notice,
    status=200,
    errors=_BODY,
    summary="Mail a 6-digit reset code; the reply is the same whether or not the "
            "address has an account.",
)

RESET_PASSWORD = Call(
    name="reset_password",
    method="POST",
    route="/api/password/reset",
    request=m.ResetPasswordRequest,
    reply=m.Notice,
    status=200,
    errors=_BODY,
    summary="Set a new password with the mailed reset code; every session of the "
            "account ends.",
)

CHANGE_PASSWORD = Call(
    name="change_password",
    method="POST",
    route="/api/password/change",
    request=m.ChangePasswordRequest,
    reply=m.Notice,
    status=200,
    errors=_SIGNED_IN_BODY,
    summary="Replace the password (the current one is asked again); every other "
            "session ends.",
    authenticated=True,
)

CHANGE_EMAIL = Call(
    name="change_email",
    method="POST",
    route="/api/email/change",
    request=m.ChangeEmailRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.ALREADY_EXISTS),
    summary="Mail a code to a new address; the old one stays until the code is entered.",
    authenticated=True,
)

CONFIRM_EMAIL = Call(
    name="confirm_email",
    method="POST",
    route="/api/email/confirm",
    request=m.ConfirmEmailRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.ALREADY_EXISTS, Status.FAILED_PRECONDITION),
    summary="Prove the new address with its code; it replaces the old one.",
    authenticated=True,
)

LIST_SESSIONS = Call(
    name="list_sessions",
    method="GET",
    route="/api/sessions",
    request=m.Empty,
    reply=m.SessionList,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="Where this account is logged in: every live session, this one marked.",
    authenticated=True,
)

REVOKE_SESSION = Call(
    name="revoke_session",
    method="POST",
    route="/api/sessions/revoke",
    request=m.RevokeSessionRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
    summary="End one of this account's sessions; its sockets are disconnected.",
    authenticated=True,
)

REVOKE_OTHER_SESSIONS = Call(
    name="revoke_other_sessions",
    method="POST",
    route="/api/sessions/revoke-others",
    request=m.Empty,
    reply=m.Notice,
    status=200,
    errors=_SIGNED_IN_BODY,
    summary="End every session of this account except this one.",
    authenticated=True,
)

LOGOUT_ALL = Call(
    name="logout_all",
    method="POST",
    route="/api/logout-all",
    request=m.Empty,
    reply=m.Notice,
    status=200,
    errors=_SIGNED_IN_BODY,
    summary="Log out everywhere: every session of this account ends, this one too.",
    authenticated=True,
)

DELETE_ACCOUNT = Call(
    name="delete_account",
    method="POST",
    route="/api/account/delete",
    request=m.DeleteAccountRequest,
    reply=m.Notice,
    status=200,
    errors=_SIGNED_IN_BODY,
    summary="Delete this account (the current password is asked again): its sessions "
            "end and its username and address become free.",
    authenticated=True,
)

# The table itself: routes, OpenAPI and clients are derived from it, in this order.
CALLS: tuple[Call[Any, Any], ...] = (
    HEALTH,
    READY,
    SIGNUP,
    VERIFY_EMAIL,
    LOGIN,
    RESEND_VERIFICATION,
    ME,
    LOGOUT,
    FORGOT_PASSWORD,
    RESET_PASSWORD,
    CHANGE_PASSWORD,
    CHANGE_EMAIL,
    CONFIRM_EMAIL,
    LIST_SESSIONS,
    REVOKE_SESSION,
    REVOKE_OTHER_SESSIONS,
    LOGOUT_ALL,
    DELETE_ACCOUNT,
)


def call_named(name: str) -> Call[Any, Any]:
    """The call of that name; a KeyError names a call that does not exist."""
    for call in CALLS:
        if call.name == name:
            return call
    raise KeyError(name)
