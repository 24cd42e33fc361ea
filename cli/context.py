"""What every command needs: the server, its REST client, the stored session, the live
channel."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from cli.client import ApiClient
from cli.errors import ApiError, NotLoggedIn, Refused
from cli.session_store import SessionStore, StoredSession

if TYPE_CHECKING:
    from cli.live import LiveChannel
from contracts import Status
from contracts.messages import LoginReply


@dataclass
class Context:
    """`server` is the URL the person named; `api.base_url` may be a tunnel's local end.

    `interactive` is True in the REPL, where commands are typed without `authcli`;
    `recent` keeps values typed earlier in the session, to offer them again.
    """

    server: str
    api: ApiClient
    store: SessionStore
    via: str | None = None
    live: "LiveChannel | None" = None
    interactive: bool = False
    recent: dict[str, str] = field(default_factory=dict)

    @property
    def describe(self) -> str:
        return self.server if self.via is None else f"{self.server} via ssh {self.via}"

    def hint(self, command_line: str) -> str:
        """How to type `command_line` where the person is: bare in the REPL, after
        `authcli` in a shell."""
        return command_line if self.interactive else f"authcli {command_line}"

    def session(self) -> StoredSession | None:
        stored = self.store.load()
        self.api.token = stored.token if stored else None
        return stored

    def require_session(self) -> StoredSession:
        stored = self.session()
        if stored is None:
            raise NotLoggedIn(self.describe, self.hint("login"))
        return stored

    async def signed_in(self, name: str, request: BaseModel | None = None) -> Any:
        """Make a call that needs the session. A session the server no longer knows
        (ended elsewhere, expired) is forgotten here too, and said so."""
        self.require_session()
        try:
            return await self.api.call(name, request)
        except ApiError as exc:
            if exc.code is not Status.UNAUTHENTICATED:
                raise
            self.forget()
            raise Refused(f"the session on {self.describe} has expired or was revoked; "
                          f"run '{self.hint('login')}' again") from exc

    def remember(self, reply: LoginReply) -> StoredSession:
        stored = StoredSession(server=self.store.key, token=reply.token,
                               username=reply.user.username,
                               expires_at=reply.expires_at.isoformat())
        self.store.save(stored)
        self.api.token = reply.token
        return stored

    def forget(self) -> None:
        self.store.forget()
        self.api.token = None

    @contextlib.asynccontextmanager
    async def channel(self) -> AsyncIterator["LiveChannel"]:
        """The REPL's open live channel, or a short-lived one for a single command."""
        if self.live is not None and self.live.state == "online":
            yield self.live
            return
        from cli.live import LiveChannel  # Socket.IO is only imported by commands using it

        stored = self.require_session()
        # One command is not someone coming online: the channel does not announce itself.
        async with LiveChannel(self.api.base_url, stored.token, describe=self.describe,
                               presence=False) as channel:
            yield channel
