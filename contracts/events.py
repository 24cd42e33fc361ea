"""Socket.IO events: what a client may send, and what the server sends back.

`CLIENT_EVENTS` is the socket counterpart of the REST service table: each event a client
may emit, the payload model it must carry, whether it needs a signed-in socket, and the
events the server may answer with. The server's namespace dispatches through it: an event
missing here is refused, and the payload is validated against the model given here.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.fields import LoginName, Password, Text, Timestamp, Token
from contracts.messages import Message, SecondFactorChallenge, SecondFactorRequest, User

CHAT_MAX_LENGTH = 2000
HISTORY_MAX = 100

ChatText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=CHAT_MAX_LENGTH),
    Text,
]


class Authenticate(Message):
    """The seed's `authenticate`: a username (or email) and password, or a session token."""

    username: LoginName | None = None
    password: Password | None = None
    token: Token | None = None

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> "Authenticate":
        by_password = self.username is not None and self.password is not None
        if by_password == (self.token is not None):
            raise ValueError("send either username and password, or token")
        return self


class Chat(Message):
    text: ChatText


class HistoryRequest(Message):
    """`before` (an id) pages back from the latest; `after` (a seq) asks for what a client
    missed, oldest first: after a gap in the seqs it saw, or after reconnecting."""

    before: int | None = Field(default=None, ge=1, le=2**63 - 1)
    after: int | None = Field(default=None, ge=0, le=2**63 - 1)
    limit: int = Field(default=50, ge=1, le=HISTORY_MAX)

    @model_validator(mode="after")
    def _one_direction(self) -> "HistoryRequest":
        if self.before is not None and self.after is not None:
            raise ValueError("send before or after, not both")
        return self


class Connected(BaseModel):
    message: str
    sid: str
    user: User | None = None


class AuthSuccess(BaseModel):
    message: str
    user: User


class AuthError(BaseModel):
    """A refused `authenticate` or `second_factor`. With `second_factor` the password was
    right but the account has a second factor: send `second_factor` with its challenge."""

    error: str
    code: str = "UNAUTHENTICATED"
    retry_after: int | None = None
    second_factor: SecondFactorChallenge | None = None


SecondFactor = SecondFactorRequest
"""The socket's second step of a password `authenticate`: `{challenge, code}` or
`{challenge, recovery_code}`, as over REST."""


class Echo(BaseModel):
    echo: Any


class ChatMessage(BaseModel):
    """`seq` is the message's place in the room: 1, 2, 3, ... with no holes, so a client
    that sees one skipped asks `history {after: last seq}` for what it missed."""

    id: int
    user: str
    text: str
    ts: Timestamp
    seq: int


class ChatAck(BaseModel):
    """Stored, and every connected client will have it: live, or by `history {after}`."""

    id: int
    ts: Timestamp
    seq: int


class History(BaseModel):
    messages: list[ChatMessage]
    has_more: bool


class Presence(BaseModel):
    user: str
    online: bool


class Who(BaseModel):
    users: list[str]


class SessionRevoked(BaseModel):
    """Sent to each socket of a session just before the server disconnects it: logout,
    logout everywhere, a session ended from another device, a password reset or change,
    or the account deleted. `reason` is a sentence for the person."""

    reason: str


class RoleChanged(BaseModel):
    """Sent to each signed-in socket of an account whose role was just given or taken
    away (by an admin or the operator): the socket holds the new role at once, for `who`
    under PRESENCE=admins and for what is broadcast to admins."""

    role: Literal["user", "admin"]


class LoginApprovalRequest(BaseModel):
    """Sent to every signed-in socket of an account when a new device logs in with its
    password: is this you? The person picks, of `numbers`, the one the new device shows
    (`login_approval_answer`), or says no. `device` is the new device's user agent."""

    request_id: str
    numbers: list[int]
    device: str
    ip: str
    at: Timestamp
    expires_at: Timestamp


class LoginApprovalAnswer(Message):
    """The answer to `login_approval_request`: the number picked, or `deny: true` (No,
    it's not me). A wrong number ends the sign-in as a refusal does."""

    request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{10,64}$")]
    number: int | None = Field(default=None, ge=0, le=99)
    deny: bool = False

    @model_validator(mode="after")
    def _number_or_deny(self) -> "LoginApprovalAnswer":
        if (self.number is None) != self.deny:
            raise ValueError("send either number or deny: true")
        return self


class LoginApprovalClosed(BaseModel):
    """A request is over, on every device of the account: `outcome` is "approved",
    "denied", "wrong" (a wrong number was picked) or "expired". After a refusal,
    `secure_account` offers the owner to end every session and change the password."""

    request_id: str
    outcome: str
    message: str
    secure_account: bool = False


class EmptyPayload(Message):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ClientEvent:
    """An event a client emits: its payload model and what the server answers with."""

    name: str
    payload: type[BaseModel] | None
    replies: tuple[str, ...]
    needs_auth: bool
    summary: str


CLIENT_EVENTS: tuple[ClientEvent, ...] = (
    ClientEvent("authenticate", Authenticate, ("auth_success", "auth_error"), False,
                "Prove who you are on an open socket."),
    ClientEvent("second_factor", SecondFactor, ("auth_success", "auth_error"), False,
                "Finish an `authenticate` that asked for a second factor."),
    ClientEvent("message", None, ("message",), False, "Echo any JSON back to the sender."),
    ClientEvent("chat", Chat, ("chat", "error", "auth_error"), True,
                "Store a chat message and send it to every signed-in client."),
    ClientEvent("history", HistoryRequest, ("history", "error", "auth_error"), True,
                "The latest chat messages before an id, or those after a seq; oldest first."),
    ClientEvent("who", EmptyPayload, ("who", "auth_error"), True, "The users online now."),
    ClientEvent("login_approval_answer", LoginApprovalAnswer,
                ("login_approval_closed", "error", "auth_error"), True,
                "Approve (with the number the new device shows) or refuse a sign-in."),
)

SERVER_EVENTS: dict[str, type[BaseModel]] = {
    "connected": Connected,
    "auth_success": AuthSuccess,
    "auth_error": AuthError,
    "message": Echo,
    "chat": ChatMessage,
    "history": History,
    "presence": Presence,
    "who": Who,
    "session_revoked": SessionRevoked,
    "role_changed": RoleChanged,
    "login_approval_request": LoginApprovalRequest,
    "login_approval_closed": LoginApprovalClosed,
}
