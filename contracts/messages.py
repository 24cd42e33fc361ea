"""Request and reply messages of the REST API."""

from pydantic import BaseModel, ConfigDict

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
