"""What every use case is given: the settings and the parts it works with."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from authserver.errors import unauthenticated
from authserver.security.clients import client_key
from authserver.security.passwords import PasswordHasher
from authserver.security.ratelimit.limiter import RateLimiter
from authserver.services.sessions.cache import SESSION, USER, LiveSessions
from authserver.settings import Settings
from authserver.store.database import Store

if TYPE_CHECKING:
    from authserver.services.sessions.lifecycle import SignedIn

SessionListener = Callable[[int, str], Awaitable[None]]
AccountListener = Callable[[int, str, dict], Awaitable[None]]
UserListener = Callable[[int], Awaitable[None]]


@dataclass
class Context:
    settings: Settings
    store: Store
    passwords: PasswordHasher
    limiter: RateLimiter
    mail_queued: Callable[[], None] = lambda: None
    mail_running: Callable[[], bool] = lambda: False
    # Back-channel logout tokens were queued: deliver them now (services/oauth/backchannel).
    logouts_queued: Callable[[], None] = lambda: None
    session_listeners: list[SessionListener] = field(default_factory=list)
    account_listeners: list[AccountListener] = field(default_factory=list)
    # Told when an account's details change in this process (`user_changed`); the other
    # processes hear it on the Redis channel of ended sessions.
    user_listeners: list[UserListener] = field(default_factory=list)
    background: set[asyncio.Task] = field(default_factory=set)
    live_sessions: LiveSessions = field(default_factory=LiveSessions)
    # Set when a graceful stop begins: long waits (a login waiting for approval) end early.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def after_reply(self, work: Coroutine) -> None:
        """Run `work` without holding up the reply (so how long the reply takes does not
        depend on it); a graceful stop waits for it (`background_done`)."""
        task = asyncio.get_running_loop().create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def background_done(self) -> None:
        if self.background:
            await asyncio.wait(set(self.background))

    async def session_ended(self, session_id: int, reason: str) -> None:
        """Tell every listener (the socket layer) that a session is over, after its token
        stops working on every worker (the cache of live sessions forgets it)."""
        await self.live_sessions.forget_everywhere(SESSION, session_id)
        for listener in self.session_listeners:
            await listener(session_id, reason)

    async def tell_account(self, user_id: int, event: str, body: dict) -> None:
        """Send `event` to every live socket of the account, on every worker (the socket
        layer listens)."""
        for listener in self.account_listeners:
            await listener(user_id, event, body)

    async def user_changed(self, user_id: int) -> None:
        """The account's details changed: no process may answer with the old ones, and
        the listeners (the socket layer: an account's live sockets hold its role) hear
        of it."""
        await self.live_sessions.forget_everywhere(USER, user_id)
        for listener in self.user_listeners:
            await listener(user_id)


@dataclass(frozen=True)
class Caller:
    """Who is asking: the client address (proxy-aware), its user agent, its session token,
    the way in ("rest" or "socket"), its device cookie (see security/devices.py) and the
    origin it was asked at."""

    ip: str
    user_agent: str = ""
    token: str | None = None
    channel: str = "rest"
    device: str | None = None
    # The page's origin ("https://auth.example"), for WebAuthn's checks; empty on sockets.
    origin: str = ""
    # The live session behind `token`, found by the dispatcher before the body is read for
    # a call the service table marks signed-in (services/admission.py).
    session: "SignedIn | None" = None

    @property
    def signed_in(self) -> "SignedIn":
        """The caller's live session; UNAUTHENTICATED when the dispatcher found none."""
        if self.session is None:
            raise unauthenticated("Please log in: this call needs a session token.")
        return self.session

    @property
    def client(self) -> str:
        """The key of per-address limits: the address, or an IPv6 client's /64."""
        return client_key(self.ip)
