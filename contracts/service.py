"""The service table: every REST call, like the `service` block of a .proto file.

The server's routes, the OpenAPI document and the CLI's client stub are all derived
from `CALLS`; nothing else names a route or a payload shape.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from contracts import messages as m
from contracts.errors import Status


@dataclass(frozen=True)
class Call:
    """One REST call: its request and reply types, route, success status and errors."""

    name: str
    method: str
    route: str
    request: type[BaseModel]
    reply: type[BaseModel]
    status: int
    errors: tuple[Status, ...]
    summary: str
    authenticated: bool = False
    admin: bool = False  # the admin role only: PERMISSION_DENIED for everyone else


_BODY = (Status.INVALID_ARGUMENT, Status.PAYLOAD_TOO_LARGE, Status.RESOURCE_EXHAUSTED)
# A signed-in call with a body: no or a dead session is UNAUTHENTICATED; the session
# cookie sent from another site's page is PERMISSION_DENIED.
_SIGNED_IN_BODY = (*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED)

CALLS: tuple[Call, ...] = (
    Call(
        name="health",
        method="GET",
        route="/api/health",
        request=m.Empty,
        reply=m.Health,
        status=200,
        errors=(Status.UNAVAILABLE,),
        summary="Is the server up and its database reachable?",
    ),
    Call(
        name="signup",
        method="POST",
        route="/api/signup",
        request=m.SignupRequest,
        reply=m.SignupReply,
        status=201,
        errors=(*_BODY, Status.ALREADY_EXISTS),
        summary="Create an account; a 6-digit code is mailed to the address.",
    ),
    Call(
        name="verify_email",
        method="POST",
        route="/api/verify-email",
        request=m.VerifyEmailRequest,
        reply=m.Notice,
        status=200,
        errors=_BODY,
        summary="Prove the address with the code it received.",
    ),
    Call(
        name="login",
        method="POST",
        route="/api/login",
        request=m.LoginRequest,
        reply=m.LoginReply,
        status=200,
        errors=(*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED),
        summary="Exchange a username (or email) and password for a session token. For an "
                "account with a second factor the right password is answered with 401 and "
                "a `second_factor` challenge instead: finish with "
                "POST /api/login/second-factor.",
    ),
    Call(
        name="login_second_factor",
        method="POST",
        route="/api/login/second-factor",
        request=m.SecondFactorRequest,
        reply=m.LoginReply,
        status=200,
        errors=(*_BODY, Status.UNAUTHENTICATED),
        summary="Finish a login that asked for a second factor: its challenge and a code "
                "from the authenticator app or a recovery code (5 minutes, 5 tries).",
    ),
    Call(
        name="resend_verification",
        method="POST",
        route="/api/resend-verification",
        request=m.ResendRequest,
        reply=m.Notice,
        status=200,
        errors=_BODY,
        summary="Mail a new code; the reply is the same whether or not the address exists.",
    ),
    Call(
        name="me",
        method="GET",
        route="/api/me",
        request=m.Empty,
        reply=m.User,
        status=200,
        errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
        summary="Who holds this session token?",
        authenticated=True,
    ),
    Call(
        name="logout",
        method="POST",
        route="/api/logout",
        request=m.Empty,
        reply=m.Notice,
        status=200,
        errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
        summary="Revoke this session token everywhere it is used.",
        authenticated=True,
    ),
    Call(
        name="forgot_password",
        method="POST",
        route="/api/password/forgot",
        request=m.ForgotPasswordRequest,
        reply=m.Notice,
        status=200,
        errors=_BODY,
        summary="Mail a 6-digit reset code; the reply is the same whether or not the "
                "address has an account.",
    ),
    Call(
        name="reset_password",
        method="POST",
        route="/api/password/reset",
        request=m.ResetPasswordRequest,
        reply=m.Notice,
        status=200,
        errors=_BODY,
        summary="Set a new password with the mailed reset code; every session of the "
                "account ends.",
    ),
    Call(
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
    ),
    Call(
        name="change_email",
        method="POST",
        route="/api/email/change",
        request=m.ChangeEmailRequest,
        reply=m.Notice,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.ALREADY_EXISTS),
        summary="Mail a code to a new address; the old one stays until the code is entered.",
        authenticated=True,
    ),
    Call(
        name="confirm_email",
        method="POST",
        route="/api/email/confirm",
        request=m.ConfirmEmailRequest,
        reply=m.Notice,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.ALREADY_EXISTS, Status.FAILED_PRECONDITION),
        summary="Prove the new address with its code; it replaces the old one.",
        authenticated=True,
    ),
    Call(
        name="list_sessions",
        method="GET",
        route="/api/sessions",
        request=m.Empty,
        reply=m.SessionList,
        status=200,
        errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
        summary="Where this account is logged in: every live session, this one marked.",
        authenticated=True,
    ),
    Call(
        name="revoke_session",
        method="POST",
        route="/api/sessions/revoke",
        request=m.RevokeSessionRequest,
        reply=m.Notice,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
        summary="End one of this account's sessions; its sockets are disconnected.",
        authenticated=True,
    ),
    Call(
        name="revoke_other_sessions",
        method="POST",
        route="/api/sessions/revoke-others",
        request=m.Empty,
        reply=m.Notice,
        status=200,
        errors=_SIGNED_IN_BODY,
        summary="End every session of this account except this one.",
        authenticated=True,
    ),
    Call(
        name="logout_all",
        method="POST",
        route="/api/logout-all",
        request=m.Empty,
        reply=m.Notice,
        status=200,
        errors=_SIGNED_IN_BODY,
        summary="Log out everywhere: every session of this account ends, this one too.",
        authenticated=True,
    ),
    Call(
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
    ),
)


# The second factor's own calls (issue 16), kept apart from the rows above so that the
# branches adding calls meet in fewer lines.
CALLS += (
    Call(
        name="second_factor_status",
        method="GET",
        route="/api/second-factor",
        request=m.Empty,
        reply=m.SecondFactorStatus,
        status=200,
        errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
        summary="Is TOTP on for this account, and how many recovery codes are left?",
        authenticated=True,
    ),
    Call(
        name="totp_enrol",
        method="POST",
        route="/api/totp/enrol",
        request=m.TotpEnrolRequest,
        reply=m.TotpEnrolment,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
        summary="Start TOTP enrolment (the current password is asked again): a new secret, "
                "its otpauth:// URI and QR code. Nothing changes at login until confirmed.",
        authenticated=True,
    ),
    Call(
        name="totp_confirm",
        method="POST",
        route="/api/totp/confirm",
        request=m.TotpConfirmRequest,
        reply=m.RecoveryCodes,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
        summary="Turn TOTP on with a first code from the app; answers ten recovery codes, "
                "shown this once.",
        authenticated=True,
    ),
    Call(
        name="totp_disable",
        method="POST",
        route="/api/totp/disable",
        request=m.TotpDisableRequest,
        reply=m.Notice,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
        summary="Turn TOTP off: the current password and a code (or a recovery code).",
        authenticated=True,
    ),
    Call(
        name="regenerate_recovery_codes",
        method="POST",
        route="/api/totp/recovery-codes",
        request=m.RegenerateRecoveryCodesRequest,
        reply=m.RecoveryCodes,
        status=200,
        errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
        summary="Ten new recovery codes (the current password is asked again); the old "
                "ones stop working.",
        authenticated=True,
    ),
)


# The administrators' calls (issue 16): admin role only, audited, rate-limited.
_ADMIN = (*_SIGNED_IN_BODY, Status.PERMISSION_DENIED)
_ADMIN_ON_A_USER = (*_ADMIN, Status.NOT_FOUND, Status.FAILED_PRECONDITION)


def _admin(name: str, route: str, request, reply, summary: str, errors=_ADMIN_ON_A_USER) -> Call:
    return Call(name=f"admin_{name}", method="POST", route=f"/api/admin/{route}",
                request=request, reply=reply, status=200, errors=errors, summary=summary,
                authenticated=True, admin=True)


CALLS += (
    _admin("list_users", "users", m.AdminListRequest, m.AdminUserPage,
           "A page of users, newest first, searched by part of a username or address.",
           errors=_ADMIN),
    _admin("show_user", "users/show", m.AdminUserRequest, m.AdminUserDetail,
           "One user: sessions, second factors, last login, latest audit events."),
    _admin("disable_user", "users/disable", m.AdminUserRequest, m.Notice,
           "Disable an account: its login is refused, its sessions and sockets end."),
    _admin("enable_user", "users/enable", m.AdminUserRequest, m.Notice,
           "Enable a disabled account again."),
    _admin("verify_user", "users/verify", m.AdminUserRequest, m.Notice,
           "Mark an account's address as verified."),
    _admin("end_sessions", "users/end-sessions", m.AdminUserRequest, m.Notice,
           "End every session of an account; its sockets are disconnected."),
    _admin("reset_second_factors", "users/reset-second-factors", m.AdminUserRequest, m.Notice,
           "Turn off an account's two-step login (lost phone and codes); a notice is mailed."),
    _admin("delete_user", "users/delete", m.AdminUserRequest, m.Notice,
           "Delete an account: its sessions end, its username and address become free."),
)


# Passkeys (WebAuthn, issue 16).
CALLS += (
    Call(name="passkey_register_options", method="POST", route="/api/passkeys/register/options",
         request=m.Empty, reply=m.PasskeyCeremony, status=200, errors=_SIGNED_IN_BODY,
         summary="Start adding a passkey: options for navigator.credentials.create().",
         authenticated=True),
    Call(name="passkey_register", method="POST", route="/api/passkeys/register",
         request=m.PasskeyRegisterRequest, reply=m.PasskeyInfo, status=200,
         errors=_SIGNED_IN_BODY,
         summary="Finish adding a passkey with the browser's new credential.",
         authenticated=True),
    Call(name="list_passkeys", method="GET", route="/api/passkeys", request=m.Empty,
         reply=m.PasskeyList, status=200,
         errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
         summary="This account's passkeys.", authenticated=True),
    Call(name="remove_passkey", method="POST", route="/api/passkeys/remove",
         request=m.RemovePasskeyRequest, reply=m.Notice, status=200,
         errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
         summary="Remove one of this account's passkeys.", authenticated=True),
    Call(name="passkey_login_options", method="POST", route="/api/login/passkey/options",
         request=m.Empty, reply=m.PasskeyCeremony, status=200, errors=_BODY,
         summary="Start a login with a passkey (no username: the browser offers the "
                 "passkeys it holds for this site)."),
    Call(name="passkey_login", method="POST", route="/api/login/passkey",
         request=m.PasskeyLoginRequest, reply=m.LoginReply, status=200,
         errors=(*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED),
         summary="Finish a login with the passkey's signed answer; a session like login's."),
)


def call_named(name: str) -> Call:
    """The call of that name; a KeyError names a call that does not exist."""
    for call in CALLS:
        if call.name == name:
            return call
    raise KeyError(name)
