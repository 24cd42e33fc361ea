"""Request and reply messages of the REST API."""

from pydantic import BaseModel, ConfigDict, Field

from contracts.fields import Code, Email, LoginName, Password, Timestamp, Username


class Message(BaseModel):
    """Base of every wire message: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Empty(Message):
    """A call that takes no body."""


class Health(Message):
    status: str
    database: str
    version: str


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


class ChangePasswordRequest(Message):
    current_password: Password
    new_password: Password


class ChangeEmailRequest(Message):
    current_password: Password
    new_email: Email


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


class DeleteAccountRequest(Message):
    current_password: Password
