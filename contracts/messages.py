"""Request and reply messages of the REST API."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.fields import (
    Challenge,
    Code,
    Email,
    LoginName,
    PasskeyName,
    Password,
    RecoveryCode,
    Timestamp,
    TotpCode,
    Username,
)

PasskeyId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Message(BaseModel):
    """Base of every wire message: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Empty(Message):
    """A call that takes no body."""


WebAuthnJson = Annotated[
    dict[str, Any],
    Field(description="A WebAuthn credential in its JSON form (PublicKeyCredential.toJSON())."),
]


class PasskeyProof(Message):
    """A fresh passkey assertion: the ceremony of `POST /api/passkeys/proof/options` and
    the answer of `navigator.credentials.get()` to its options."""

    ceremony: Challenge
    credential: WebAuthnJson


class _OwnerProof(Message):
    """The proof a credential change carries in its own request: the current password,
    or, for an account with no password (made through an outside provider, or
    passkey-only), a fresh passkey assertion (`passkey`) or a code from the authenticator
    app (`code`, where the request has one)."""

    current_password: Password | None = None
    passkey: PasskeyProof | None = None


class Health(Message):
    status: str
    database: str
    version: str


class ProductConfig(Message):
    """What the operator chose for this deployment, as its web UI needs to know it."""

    app_name: str
    chat: bool
    presence: Literal["everyone", "admins", "off"]
    support_email: str | None


class Ready(Message):
    """Ready to serve: database reachable, schema current, mail sender running."""

    status: str
    database: str
    migrations: str
    mail: str


class SignupRequest(Message):
    username: Username
    email: Email
    password: Password


class SignupReply(Message):
    message: str
    user_id: int


class VerifyEmailRequest(Message):
    email: Email
    code: Code


class Notice(Message):
    """A reply that only tells the person what happened."""

    message: str


class LoginRequest(Message):
    username: LoginName
    password: Password


class User(Message):
    id: int
    username: str
    email: str
    is_verified: bool
    created_at: Timestamp
    # "user" or "admin" (the admin API and page)
    role: Literal["user", "admin"] = "user"


class LoginReply(Message):
    message: str
    token: str
    expires_at: Timestamp
    user: User


class ResendRequest(Message):
    email: Email


class ForgotPasswordRequest(Message):
    email: Email


class ResetPasswordRequest(Message):
    email: Email
    code: Code
    new_password: Password


class ResetPasswordReply(Notice):
    """A reset's notice, with what else can log in to the account, so that its owner can
    remove a passkey or factor they do not know (an intruder's way back in)."""

    passkeys: list[str] = []
    second_factors: list[str] = []


class ChangePasswordRequest(Message):
    current_password: Password
    new_password: Password


class ChangeEmailRequest(_OwnerProof):
    new_email: Email
    code: TotpCode | None = None


class ConfirmEmailRequest(Message):
    code: Code


class SessionInfo(Message):
    """One session of the caller's account, as the account page lists it.

    `ip` and `user_agent` are what the client sent when it logged in (empty when unknown);
    `last_used_at` is kept to within a minute; `current` marks the session asking.
    """

    id: int
    created_at: Timestamp
    last_used_at: Timestamp | None
    expires_at: Timestamp
    ip: str
    user_agent: str
    current: bool


class SessionList(Message):
    """The caller's live sessions, newest first."""

    sessions: list[SessionInfo]


class RevokeSessionRequest(Message):
    # Session ids are the database's 32-bit serial numbers.
    session_id: int = Field(ge=1, le=2**31 - 1)


class DeleteAccountRequest(_OwnerProof):
    code: TotpCode | None = None


# --- the second factor (issue 16) --------------------------------------------------

# "passkey" is offered after an outside provider's sign-in only (issue 25): finish it with
# `POST /api/login/passkey` carrying the challenge.
SecondFactorKind = Literal["totp", "recovery_code", "approval", "passkey"]


class SecondFactorChallenge(Message):
    """What a login that needs a second factor answers with instead of a session: finish
    it with `POST /api/login/second-factor` (or the socket event `second_factor`) before
    `expires_at`, in at most `tries_left` tries.

    With `approval` among the factors, the account's signed-in devices were asked to
    approve this sign-in: show `number`, which the person picks there, and wait with
    `POST /api/login/approval/wait`. `approval_note` says why approval was not offered
    this time (paused after a refusal, too many requests) when the account has it on."""

    challenge: str
    factors: list[SecondFactorKind]
    expires_at: Timestamp
    tries_left: int
    number: int | None = Field(default=None, ge=10, le=99)
    approval_note: str | None = None


class _CodeOrRecoveryCode(Message):
    code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.code is None) == (self.recovery_code is None):
            raise ValueError("send either code (from your authenticator app) or recovery_code")
        return self


class SecondFactorRequest(_CodeOrRecoveryCode):
    challenge: Challenge


class TotpEnrolRequest(_OwnerProof):
    pass


class TotpEnrolment(Message):
    """A new TOTP secret waiting for its first code (`POST /api/totp/confirm`).

    `qr_code` is the `otpauth_uri` as an SVG image in a data: URI, drawn by the server.
    """

    message: str
    secret: str
    otpauth_uri: str
    qr_code: str


class TotpConfirmRequest(_OwnerProof):
    code: TotpCode


class RecoveryCodes(Message):
    """Ten one-use codes, shown this once: each logs in once without the app."""

    message: str
    recovery_codes: list[str]


class TotpDisableRequest(_CodeOrRecoveryCode, _OwnerProof):
    pass


class _OptionalSecondFactor(Message):
    """The second proof an account with two-step login on gives with its password: a
    code from the app, or an unused recovery code (refused if both are sent)."""

    code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _at_most_one(self):
        if self.code is not None and self.recovery_code is not None:
            raise ValueError("send code or recovery_code, not both")
        return self


class RegenerateRecoveryCodesRequest(_OptionalSecondFactor, _OwnerProof):
    pass


class SecondFactorStatus(Message):
    """The caller's second factors: whether TOTP is on, and unused recovery codes left."""

    totp: bool
    recovery_codes_left: int
    approval: bool = False


# --- approval from a signed-in device (issue 26) ------------------------------------

class ApprovalToggleRequest(Message):
    """Turn approval from signed-in devices on or off: the current password again."""

    current_password: Password


class ApprovalWaitRequest(Message):
    challenge: Challenge


class ApprovalWaitReply(Message):
    """`approved` with a session like login's once a signed-in device picked the right
    number; `approved: false` (no token) when this call's wait ended first: call again."""

    message: str
    approved: bool
    token: str | None = None
    expires_at: Timestamp | None = None
    user: User | None = None


# --- administrators (issue 16) ------------------------------------------------------

Role = Literal["user", "admin"]
UserId = Annotated[int, Field(ge=1, le=2**31 - 1, description="A user's id.")]


class AdminUserRequest(Message):
    """An admin call about one user."""

    user_id: UserId


class AdminActRequest(AdminUserRequest):
    """A destructive admin call about one user: the administrator's own current password
    comes with it, since a borrowed admin session must not be enough."""

    current_password: Password


class AdminResetFactorsRequest(AdminActRequest):
    """Turn off an account's two-step login; `passkeys` removes its passkeys too."""

    passkeys: bool = False


class AdminPasskeyRequest(AdminActRequest):
    passkey_id: PasskeyId


class AdminListRequest(Message):
    """A page of users, newest first; `query` matches part of a username or address (or
    its start, where no index serves a substring: see the reply's `search`).

    Page on with the reply's `next_cursor`: its cost does not grow with the page's depth.
    `offset` still works, but the database walks past every row it skips.
    """

    query: str = Field(default="", max_length=254)
    cursor: str | None = Field(
        default=None, pattern=r"^[1-9][0-9]{0,18}$",
        description="The `next_cursor` of the page before; not with `offset`.",
    )
    offset: int = Field(default=0, ge=0, le=10_000_000)
    limit: int = Field(default=25, ge=1, le=100)

    @model_validator(mode="after")
    def _cursor_or_offset(self) -> "AdminListRequest":
        if self.cursor is not None and self.offset:
            raise ValueError("give cursor or offset, not both")
        return self


class AdminUser(Message):
    id: int
    username: str
    email: str
    is_verified: bool
    role: Role
    disabled: bool
    totp: bool
    created_at: Timestamp


class AdminUserPage(Message):
    """`total` is exact, an estimate of a large table ("about 1.0M"), or a floor where
    counting every match would cost more than the page itself; `total_kind` says which."""

    users: list[AdminUser]
    total: int
    total_kind: Literal["exact", "estimate", "at_least"] = "exact"
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last.")
    search: Literal["substring", "prefix"] = Field(
        default="substring",
        description="How `query` matched: anywhere in a username or address, or at its "
        "start only (where no trigram index serves a substring).")


class AuditEntry(Message):
    at: Timestamp
    event: str
    ip: str
    detail: str


class AdminUserDetail(Message):
    """One user as an administrator sees them: live sessions, second factors, the last
    login and the latest audit events (newest first)."""

    user: AdminUser
    sessions: list[SessionInfo]
    recovery_codes_left: int
    passkeys: int
    last_login_at: Timestamp | None
    events: list[AuditEntry]


# --- passkeys (WebAuthn, issue 16) --------------------------------------------------

class PasskeyCeremony(Message):
    """What to pass to `navigator.credentials.create()` or `.get()` (WebAuthn's JSON form
    of the options) and the ceremony to send back with its result, within 5 minutes."""

    ceremony: str
    options: dict[str, Any]


class PasskeyRegisterRequest(_OptionalSecondFactor, _OwnerProof):
    ceremony: Challenge
    credential: WebAuthnJson
    name: PasskeyName = ""


class PasskeyLoginRequest(Message):
    ceremony: Challenge
    credential: WebAuthnJson
    challenge: Challenge | None = Field(
        default=None, description="The second step a sign-in asked for with `passkey` among "
        "its factors: the passkey must be that account's, and the challenge is used up.")


class PasskeyInfo(Message):
    id: int
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None


class PasskeyList(Message):
    passkeys: list[PasskeyInfo]


class RemovePasskeyRequest(Message):
    passkey_id: PasskeyId


class RenamePasskeyRequest(Message):
    passkey_id: PasskeyId
    name: Annotated[PasskeyName, Field(min_length=1)]


# --- apps signed in with this account (issue 22) -------------------------------------


class AppInfo(Message):
    """An app holding a standing grant of the caller's: what it may see (`scopes`), since
    when, and when it last got tokens; `offline_access` says it keeps access after the
    person logs out (until a password change, or its removal here)."""

    client_id: str
    name: str
    scopes: list[str]
    authorized_at: Timestamp
    last_used_at: Timestamp | None
    offline_access: bool


class AppList(Message):
    """The apps holding grants, the most recently used first."""

    apps: list[AppInfo]


class RevokeAppRequest(Message):
    client_id: str = Field(min_length=1, max_length=64)


# --- the device authorization grant (RFC 8628; issue 22) -----------------------------


class DeviceCodeRequest(Message):
    """A user code as the device shows it (XXXX-XXXX; case, spaces and dashes do not
    matter)."""

    user_code: str = Field(min_length=1, max_length=20)


class DeviceRequestInfo(Message):
    """What a device asks for, shown before the person approves it."""

    client_id: str
    name: str
    scopes: list[str]
    user_code: str
    expires_at: Timestamp


# --- the administrator's apps (OAuth clients; issue 22) ------------------------------


class ClientIdRequest(Message):
    client_id: str = Field(min_length=1, max_length=64)


class ClientFields(Message):
    """What an administrator sets on an app; a field left out (null) is left as it is
    on update, and takes its default on create (grants `authorization_code` and
    `refresh_token`, scopes `openid profile email`)."""

    name: str | None = Field(default=None, max_length=100)
    redirect_uris: list[Annotated[str, Field(max_length=2000)]] | None = Field(
        default=None, max_length=20)
    post_logout_redirect_uris: list[Annotated[str, Field(max_length=2000)]] | None = Field(
        default=None, max_length=20)
    backchannel_logout_uri: str | None = Field(default=None, max_length=2000)
    public: bool | None = None
    first_party: bool | None = None
    grant_types: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, max_length=10)
    scopes: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, max_length=10)
    access_token_seconds: int | None = Field(default=None, ge=1, le=366 * 86400)
    refresh_token_seconds: int | None = Field(default=None, ge=1, le=366 * 86400)
    id_token_seconds: int | None = Field(default=None, ge=1, le=366 * 86400)


class UpdateClientRequest(ClientFields):
    client_id: str = Field(min_length=1, max_length=64)


class ClientInfo(Message):
    """A registered app as the administrator sees it (never its secret)."""

    client_id: str
    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    grant_types: list[str]
    scopes: list[str]
    public: bool
    first_party: bool
    access_token_seconds: int | None
    refresh_token_seconds: int | None
    id_token_seconds: int | None
    created_at: Timestamp | None


class ClientList(Message):
    clients: list[ClientInfo]


class ClientSecretReply(Message):
    """An app with its secret, shown this once (null for a public app)."""

    client: ClientInfo
    client_secret: str | None


class ProviderButton(Message):
    """An outside OpenID Provider people may sign in with, as the login view shows it."""

    name: str
    label: str


class ProviderButtons(Message):
    providers: list[ProviderButton]


class LinkedProvider(Message):
    provider: str
    label: str
    email: str | None
    linked_at: str


class LinkedProviders(Message):
    """The providers linked to this account, and those it may still link."""

    linked: list[LinkedProvider]
    available: list[ProviderButton]
    has_password: bool


class UnlinkProviderRequest(Message):
    provider: str = Field(min_length=1, max_length=40)


# --- the administrator's outside providers (issue 25) --------------------------------

ProviderName = Annotated[str, Field(min_length=1, max_length=40,
                                    pattern=r"^[a-z0-9][a-z0-9\-]*$",
                                    description="Lower-case letters, digits and dashes; "
                                                "part of the provider's URLs.")]


class ProviderNameRequest(Message):
    name: ProviderName


class ProviderFields(Message):
    """What an administrator sets on an outside provider; a field left out (null) is
    left as it is on update. The client secret is write-only: no reply carries it."""

    issuer: str | None = Field(default=None, max_length=500)
    client_id: str | None = Field(default=None, max_length=255)
    client_secret: str | None = Field(default=None, max_length=1000)
    scopes: list[Annotated[str, Field(max_length=100)]] | None = Field(
        default=None, max_length=20)
    button_label: str | None = Field(default=None, max_length=100)
    allow_signup: bool | None = None
    trust_email: bool | None = None
    trust_amr: bool | None = None


class AddProviderRequest(ProviderFields):
    """A new provider: its name, issuer, our client id and secret there are required;
    scopes default to `openid email profile`, the label to "Continue with NAME", sign-up
    to allowed, both trusts to off."""

    name: ProviderName
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=255)
    client_secret: str = Field(max_length=1000)


class UpdateProviderRequest(ProviderFields):
    """Change the provider `name`; `new_name` renames it (its callback URL changes)."""

    name: ProviderName
    new_name: ProviderName | None = None


class RemoveProviderRequest(ProviderNameRequest):
    """Removing a provider ends every link to it: the administrator's own current
    password comes with it, since a borrowed admin session must not be enough."""

    current_password: Password


class ProviderInfo(Message):
    """An outside provider as the administrator sees it (never its client secret)."""

    name: str
    issuer: str
    client_id: str
    scopes: list[str]
    button_label: str
    allow_signup: bool
    trust_email: bool
    trust_amr: bool
    callback_path: str = Field(description="Where the provider sends people back, after "
                               "this server's public origin: register it there.")


class ProviderList(Message):
    providers: list[ProviderInfo]
