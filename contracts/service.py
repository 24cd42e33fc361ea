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
    admin: bool = False  # the admin role only: PERMISSION_DENIED for everyone else
    # The caller's own `current_password` in the body is checked before the call runs
    # (an admin's destructive act: a borrowed admin session is not enough).
    proof: bool = False


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

PRODUCT_CONFIG = Call(
    name="product_config",
    method="GET",
    route="/api/config",
    request=m.Empty,
    reply=m.ProductConfig,
    status=200,
    errors=(),
    summary="What this deployment is called and which of chat and presence it offers "
    "(APP_NAME, CHAT, PRESENCE, SUPPORT_EMAIL).",
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
    reply=m.ResetPasswordReply,
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
    errors=_SIGNED_IN_BODY,
    summary="Mail a code to a new address (the same reply whatever the address); the old "
            "one stays until the code is entered.",
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


# The second factor (issue 16).
LOGIN_SECOND_FACTOR = Call(
    name="login_second_factor",
    method="POST",
    route="/api/login/second-factor",
    request=m.SecondFactorRequest,
    reply=m.LoginReply,
    status=200,
    errors=(*_BODY, Status.UNAUTHENTICATED),
    summary="Finish a login that asked for a second factor: its challenge and a code "
            "from the authenticator app or a recovery code (5 minutes, 5 tries).",
)

SECOND_FACTOR_STATUS = Call(
    name="second_factor_status",
    method="GET",
    route="/api/second-factor",
    request=m.Empty,
    reply=m.SecondFactorStatus,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="Is TOTP on for this account, and how many recovery codes are left?",
    authenticated=True,
)

TOTP_ENROL = Call(
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
)

TOTP_CONFIRM = Call(
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
)

TOTP_DISABLE = Call(
    name="totp_disable",
    method="POST",
    route="/api/totp/disable",
    request=m.TotpDisableRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
    summary="Turn TOTP off: the current password and a code (or a recovery code).",
    authenticated=True,
)

REGENERATE_RECOVERY_CODES = Call(
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
)


# The administrators' calls (issue 16): admin role only, audited, rate-limited.
_ADMIN = (*_SIGNED_IN_BODY, Status.PERMISSION_DENIED)
_ADMIN_ON_A_USER = (*_ADMIN, Status.NOT_FOUND, Status.FAILED_PRECONDITION)


def _admin(name: str, route: str, request, reply, summary: str, errors=_ADMIN_ON_A_USER) -> Call:
    return Call(name=f"admin_{name}", method="POST", route=f"/api/admin/{route}",
                request=request, reply=reply, status=200, errors=errors, summary=summary,
                authenticated=True, admin=True,
                proof="current_password" in request.model_fields)


ADMIN_LIST_USERS = _admin("list_users", "users", m.AdminListRequest, m.AdminUserPage,
    "A page of users, newest first, searched by part of a username or address; paged by "
    "cursor (flat cost at any depth) or by offset.",
    errors=_ADMIN)

ADMIN_SHOW_USER = _admin("show_user", "users/show", m.AdminUserRequest, m.AdminUserDetail,
    "One user: sessions, second factors, last login, latest audit events.")

ADMIN_DISABLE_USER = _admin("disable_user", "users/disable", m.AdminActRequest, m.Notice,
    "Disable an account (the admin's own current password is asked): its login is "
    "refused, its sessions and sockets end.")

ADMIN_ENABLE_USER = _admin("enable_user", "users/enable", m.AdminUserRequest, m.Notice,
    "Enable a disabled account again.")

ADMIN_VERIFY_USER = _admin("verify_user", "users/verify", m.AdminUserRequest, m.Notice,
    "Mark an account's address as verified.")

ADMIN_END_SESSIONS = _admin("end_sessions", "users/end-sessions", m.AdminUserRequest, m.Notice,
    "End every session of an account; its sockets are disconnected.")

ADMIN_GRANT_ADMIN = _admin(
    "grant_admin", "users/grant-admin", m.AdminActRequest, m.Notice,
    "Give an account the admin role (your current password is asked again).")
ADMIN_REVOKE_ADMIN = _admin(
    "revoke_admin", "users/revoke-admin", m.AdminActRequest, m.Notice,
    "Take the admin role away (your current password is asked again); not your own, and "
    "not from the last admin.")
ADMIN_LIST_PASSKEYS = _admin("list_passkeys", "users/passkeys", m.AdminUserRequest,
                             m.PasskeyList, "An account's passkeys.")
ADMIN_REMOVE_PASSKEY = _admin(
    "remove_passkey", "users/passkeys/remove", m.AdminPasskeyRequest, m.Notice,
    "Remove one of an account's passkeys (your current password is asked again).")
ADMIN_UNVERIFY_USER = _admin("unverify_user", "users/unverify", m.AdminUserRequest, m.Notice,
                             "Mark an account's address unverified: it must prove it again "
                             "before the next login.")
ADMIN_RESET_SECOND_FACTORS = _admin(
    "reset_second_factors", "users/reset-second-factors", m.AdminResetFactorsRequest, m.Notice,
    "Turn off an account's two-step login (lost phone and codes; the admin's own current "
    "password is asked), with `passkeys` its passkeys too; a notice is mailed.")

ADMIN_DELETE_USER = _admin("delete_user", "users/delete", m.AdminActRequest, m.Notice,
    "Delete an account (the admin's own current password is asked): its sessions end, "
    "its username and address become free.")


# Passkeys (WebAuthn, issue 16).
PASSKEY_REGISTER_OPTIONS = Call(
    name="passkey_register_options",
    method="POST",
    route="/api/passkeys/register/options",
    request=m.Empty,
    reply=m.PasskeyCeremony,
    status=200,
    errors=_SIGNED_IN_BODY,
    summary="Start adding a passkey: options for navigator.credentials.create().",
    authenticated=True,
)

PASSKEY_PROOF_OPTIONS = Call(
    name="passkey_proof_options",
    method="POST",
    route="/api/passkeys/proof/options",
    request=m.Empty,
    reply=m.PasskeyCeremony,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
    summary="Start proving it is you with one of your passkeys (an account with no "
            "password): options for navigator.credentials.get(); send the ceremony and "
            "its answer as `passkey` with the credential change.",
    authenticated=True,
)

PASSKEY_REGISTER = Call(
    name="passkey_register",
    method="POST",
    route="/api/passkeys/register",
    request=m.PasskeyRegisterRequest,
    reply=m.PasskeyInfo,
    status=200,
    errors=_SIGNED_IN_BODY,
    summary="Finish adding a passkey with the browser's new credential.",
    authenticated=True,
)

LIST_PASSKEYS = Call(
    name="list_passkeys",
    method="GET",
    route="/api/passkeys",
    request=m.Empty,
    reply=m.PasskeyList,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="This account's passkeys.",
    authenticated=True,
)

REMOVE_PASSKEY = Call(
    name="remove_passkey",
    method="POST",
    route="/api/passkeys/remove",
    request=m.RemovePasskeyRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
    summary="Remove one of this account's passkeys.",
    authenticated=True,
)

RENAME_PASSKEY = Call(
    name="rename_passkey",
    method="POST",
    route="/api/passkeys/rename",
    request=m.RenamePasskeyRequest,
    reply=m.PasskeyInfo,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
    summary="Give one of this account's passkeys a new name.",
    authenticated=True,
)

PASSKEY_LOGIN_OPTIONS = Call(
    name="passkey_login_options",
    method="POST",
    route="/api/login/passkey/options",
    request=m.Empty,
    reply=m.PasskeyCeremony,
    status=200,
    errors=_BODY,
    summary="Start a login with a passkey (no username: the browser offers the passkeys it "
    "holds for this site).",
)

PASSKEY_LOGIN = Call(
    name="passkey_login",
    method="POST",
    route="/api/login/passkey",
    request=m.PasskeyLoginRequest,
    reply=m.LoginReply,
    status=200,
    errors=(*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED),
    summary="Finish a login with the passkey's signed answer; a session like login's. With "
    "`challenge`, it is the second step a provider sign-in asked for.",
)


# Approval from a signed-in device (issue 26).
APPROVAL_ENABLE = Call(
    name="approval_enable",
    method="POST",
    route="/api/approval/enable",
    request=m.ApprovalToggleRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
    summary="Approve new sign-ins from my signed-in devices (the current password is "
            "asked again); mailed as a notice.",
    authenticated=True,
)

APPROVAL_DISABLE = Call(
    name="approval_disable",
    method="POST",
    route="/api/approval/disable",
    request=m.ApprovalToggleRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.FAILED_PRECONDITION),
    summary="Stop asking signed-in devices to approve new sign-ins (the current password "
            "is asked again); mailed as a notice.",
    authenticated=True,
)

LOGIN_APPROVAL_WAIT = Call(
    name="login_approval_wait",
    method="POST",
    route="/api/login/approval/wait",
    request=m.ApprovalWaitRequest,
    reply=m.ApprovalWaitReply,
    status=200,
    errors=(*_BODY, Status.UNAUTHENTICATED, Status.FAILED_PRECONDITION,
            Status.PERMISSION_DENIED),
    summary="Wait (at most 30 s a call) for a signed-in device to approve this login; "
            "a session like login's once approved, `approved: false` to call again.",
)


# The table itself: routes, OpenAPI and clients are derived from it, in this order.
LIST_APPS = Call(
    name="list_apps",
    method="GET",
    route="/api/apps",
    request=m.Empty,
    reply=m.AppList,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="The apps this account signed in to that still hold a grant, and when each "
            "last used it.",
    authenticated=True,
)

REVOKE_APP = Call(
    name="revoke_app",
    method="POST",
    route="/api/apps/revoke",
    request=m.RevokeAppRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
    summary="Remove an app's access: its grants and every token they gave end, its "
            "consent is forgotten, and it is told by back-channel logout.",
    authenticated=True,
)

LOGIN_PROVIDERS = Call(
    name="login_providers",
    method="GET",
    route="/api/login/providers",
    request=m.Empty,
    reply=m.ProviderButtons,
    status=200,
    errors=(Status.RESOURCE_EXHAUSTED,),
    summary="The outside providers one may sign in with (GET /api/login/provider/{name}).",
)

LIST_PROVIDERS = Call(
    name="list_providers",
    method="GET",
    route="/api/providers",
    request=m.Empty,
    reply=m.LinkedProviders,
    status=200,
    errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
    summary="The outside providers linked to this account, and those it may link.",
    authenticated=True,
)

UNLINK_PROVIDER = Call(
    name="unlink_provider",
    method="POST",
    route="/api/providers/unlink",
    request=m.UnlinkProviderRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND, Status.FAILED_PRECONDITION),
    summary="Unlink an outside provider; refused when it is the account's last way in.",
    authenticated=True,
)


DEVICE_LOOKUP = Call(
    name="device_lookup",
    method="POST",
    route="/api/device/lookup",
    request=m.DeviceCodeRequest,
    reply=m.DeviceRequestInfo,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
    summary="The app and scopes a device's user code asks for, to show before approving.",
    authenticated=True,
)

DEVICE_APPROVE = Call(
    name="device_approve",
    method="POST",
    route="/api/device/approve",
    request=m.DeviceCodeRequest,
    reply=m.Notice,
    status=200,
    errors=(*_SIGNED_IN_BODY, Status.NOT_FOUND),
    summary="Let the device showing this user code sign in as this account (RFC 8628).",
    authenticated=True,
)


_ADMIN_ON_A_CLIENT = (*_ADMIN, Status.NOT_FOUND, Status.FAILED_PRECONDITION)

ADMIN_LIST_CLIENTS = _admin("list_clients", "clients", m.Empty, m.ClientList,
    "Every registered app (OAuth client), oldest first; never a secret.", errors=_ADMIN)

ADMIN_SHOW_CLIENT = _admin("show_client", "clients/show", m.ClientIdRequest, m.ClientInfo,
    "One registered app.", errors=_ADMIN_ON_A_CLIENT)

ADMIN_CREATE_CLIENT = _admin("create_client", "clients/create", m.ClientFields,
    m.ClientSecretReply, "Register an app; its secret is in this reply and nowhere else.",
    errors=_ADMIN)

ADMIN_UPDATE_CLIENT = _admin("update_client", "clients/update", m.UpdateClientRequest,
    m.ClientInfo, "Change an app's fields; those left out stay as they are.",
    errors=_ADMIN_ON_A_CLIENT)

ADMIN_ROTATE_CLIENT_SECRET = _admin("rotate_client_secret", "clients/rotate-secret",
    m.ClientIdRequest, m.ClientSecretReply,
    "A new secret for a confidential app, shown once; the old one stops working at once.",
    errors=_ADMIN_ON_A_CLIENT)

ADMIN_DELETE_CLIENT = _admin("delete_client", "clients/delete", m.ClientIdRequest, m.Notice,
    "Remove an app with its grants, tokens and consents.", errors=_ADMIN_ON_A_CLIENT)


_ADMIN_ON_A_PROVIDER = (*_ADMIN, Status.NOT_FOUND)

ADMIN_LIST_PROVIDERS = _admin("list_providers", "providers", m.Empty, m.ProviderList,
    "Every outside OpenID Provider people may sign in with, by name; never a secret.",
    errors=_ADMIN)

ADMIN_SHOW_PROVIDER = _admin("show_provider", "providers/show", m.ProviderNameRequest,
    m.ProviderInfo, "One outside provider.", errors=_ADMIN_ON_A_PROVIDER)

ADMIN_ADD_PROVIDER = _admin("add_provider", "providers/add", m.AddProviderRequest,
    m.ProviderInfo, "Add an outside provider (its client secret is stored sealed and never "
    "shown again).", errors=(*_ADMIN, Status.ALREADY_EXISTS))

ADMIN_UPDATE_PROVIDER = _admin("update_provider", "providers/update",
    m.UpdateProviderRequest, m.ProviderInfo,
    "Change an outside provider's fields; those left out stay as they are.",
    errors=(*_ADMIN_ON_A_PROVIDER, Status.ALREADY_EXISTS))

ADMIN_REMOVE_PROVIDER = _admin("remove_provider", "providers/remove",
    m.RemoveProviderRequest, m.Notice,
    "Remove an outside provider and every account's link to it (the admin's own current "
    "password is asked).", errors=_ADMIN_ON_A_PROVIDER)


CALLS: tuple[Call[Any, Any], ...] = (
    HEALTH,
    PRODUCT_CONFIG,
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
    LOGIN_SECOND_FACTOR,
    SECOND_FACTOR_STATUS,
    TOTP_ENROL,
    TOTP_CONFIRM,
    TOTP_DISABLE,
    REGENERATE_RECOVERY_CODES,
    ADMIN_LIST_USERS,
    ADMIN_SHOW_USER,
    ADMIN_DISABLE_USER,
    ADMIN_ENABLE_USER,
    ADMIN_VERIFY_USER,
    ADMIN_END_SESSIONS,
    ADMIN_RESET_SECOND_FACTORS,
    ADMIN_DELETE_USER,
    ADMIN_GRANT_ADMIN,
    ADMIN_REVOKE_ADMIN,
    ADMIN_LIST_PASSKEYS,
    ADMIN_REMOVE_PASSKEY,
    ADMIN_UNVERIFY_USER,
    PASSKEY_REGISTER_OPTIONS,
    PASSKEY_PROOF_OPTIONS,
    PASSKEY_REGISTER,
    LIST_PASSKEYS,
    REMOVE_PASSKEY,
    RENAME_PASSKEY,
    PASSKEY_LOGIN_OPTIONS,
    PASSKEY_LOGIN,
    LIST_APPS,
    REVOKE_APP,
    DEVICE_LOOKUP,
    DEVICE_APPROVE,
    ADMIN_LIST_CLIENTS,
    ADMIN_SHOW_CLIENT,
    ADMIN_CREATE_CLIENT,
    ADMIN_UPDATE_CLIENT,
    ADMIN_ROTATE_CLIENT_SECRET,
    ADMIN_DELETE_CLIENT,
    APPROVAL_ENABLE,
    APPROVAL_DISABLE,
    LOGIN_APPROVAL_WAIT,
    LOGIN_PROVIDERS,
    LIST_PROVIDERS,
    UNLINK_PROVIDER,
    ADMIN_LIST_PROVIDERS,
    ADMIN_SHOW_PROVIDER,
    ADMIN_ADD_PROVIDER,
    ADMIN_UPDATE_PROVIDER,
    ADMIN_REMOVE_PROVIDER,
)


def call_named(name: str) -> Call[Any, Any]:
    """The call of that name; a KeyError names a call that does not exist."""
    for call in CALLS:
        if call.name == name:
            return call
    raise KeyError(name)
