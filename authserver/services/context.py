"""What every use case is given: the settings and the parts it works with."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from authserver.security.passwords import PasswordHasher
from authserver.security.ratelimit import RateLimiter
from authserver.settings import Settings
from authserver.store.database import Store

SessionListener = Callable[[int, str], Awaitable[None]]


@dataclass
class Context:
    settings: Settings
    store: Store
    passwords: PasswordHasher
    limiter: RateLimiter
    mail_queued: Callable[[], None] = lambda: None
    mail_running: Callable[[], bool] = lambda: False
    session_listeners: list[SessionListener] = field(default_factory=list)

    async def session_ended(self, session_id: int, reason: str) -> None:
        """Tell every listener (the socket layer) that a session is over."""
        for listener in self.session_listeners:
            await listener(session_id, reason)


@dataclass(frozen=True)
class Caller:
    """Who is asking: the client address (proxy-aware), its user agent, its session token,
    and the way in ("rest" or "socket")."""

    ip: str
    user_agent: str = ""
    token: str | None = None
    channel: str = "rest"
