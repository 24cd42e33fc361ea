"""What `CHAT` and `PRESENCE` let through on the socket. The socket itself stays: sign-in,
sessions that end and approvals travel on it whatever these say; only the chat events
(`chat`, `history`, `who`) and the online/offline broadcasts are gated here.

`PRESENCE=admins` lets the admin role see who is online; a socket holds its account's role
from its sign-in on, and a role given or taken away reaches the account's open sockets at
once (`AuthNamespace.take_role`)."""

from authserver.errors import ServiceError
from authserver.settings import Settings
from contracts import Status

CHAT_EVENTS = frozenset({"chat", "history", "who"})
CHAT_OFF = "Chat is turned off on this server (CHAT=off)."
PRESENCE_OFF = "Who is online is not shown on this server (PRESENCE=off)."
PRESENCE_ADMINS = "Only administrators may see who is online on this server."

# The rooms that hear online/offline broadcasts under each PRESENCE.
EVERYONE = "members"
ADMINS = "admins"


def refusal(settings: Settings, event: str, *, admin: bool) -> ServiceError | None:
    """Why this signed-in socket may not send `event`, or None when it may."""
    if event not in CHAT_EVENTS:
        return None
    if not settings.chat:
        return ServiceError(Status.FAILED_PRECONDITION, CHAT_OFF)
    if event != "who" or settings.presence == "everyone":
        return None
    if settings.presence == "off":
        return ServiceError(Status.FAILED_PRECONDITION, PRESENCE_OFF)
    if not admin:
        return ServiceError(Status.PERMISSION_DENIED, PRESENCE_ADMINS)
    return None


def presence_room(settings: Settings) -> str | None:
    """Who hears that someone came online or went offline; None: nobody."""
    if not settings.chat or settings.presence == "off":
        return None
    return EVERYONE if settings.presence == "everyone" else ADMINS
