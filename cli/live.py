"""The live channel: a Socket.IO connection carrying chat, presence and session events.

Payloads going out are the request models of `contracts.events.CLIENT_EVENTS`; payloads
coming in are validated with `SERVER_EVENTS` before anyone sees them.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from pydantic import BaseModel, ValidationError

from cli.chat_feed import ChatFeed
from cli.errors import ApiError, Refused, Unreachable
from contracts import ErrorReply, Status
from contracts.events import (
    CLIENT_EVENTS,
    SERVER_EVENTS,
    Chat,
    ChatAck,
    ChatMessage,
    EmptyPayload,
    History,
    HistoryRequest,
    LoginApprovalAnswer,
    LoginApprovalClosed,
    Who,
)

log = logging.getLogger(__name__)

ACK_TIMEOUT = 15
PUSHED = ("chat", "presence", "session_revoked", "auth_error", "connected",
          "login_approval_request", "login_approval_closed", "role_changed")
_PAYLOADS = {event.name: event.payload for event in CLIENT_EVENTS}

EventSink = Callable[[str, BaseModel], None]
StateSink = Callable[[str], None]


class LiveChannel:
    """A signed-in Socket.IO connection; `state` is offline, online or reconnecting.

    `on_event(name, model)` receives every pushed event (and `error` as an `ErrorReply`);
    chat comes through `ChatFeed`: in seq order, each message once, the missed ones fetched;
    `on_state(state)` hears about lost and regained connections. With `presence=False`
    the server does not tell others this connection came online or left.
    """

    def __init__(self, url: str, token: str, *, describe: str | None = None,
                 on_event: EventSink | None = None, on_state: StateSink | None = None,
                 reconnect: bool = False, presence: bool = True) -> None:
        self.url = url
        self.describe = describe or url
        self.state = "offline"
        self._auth = {"token": token} if presence else {"token": token, "presence": False}
        self._on_event = on_event or (lambda name, model: None)
        self._on_state = on_state or (lambda state: None)
        self._refusal: str | None = None
        self._closing = False
        self.chat = ChatFeed(self.history, lambda message: self._on_event("chat", message))
        self.sio = socketio.AsyncClient(reconnection=reconnect, reconnection_delay=0.5,
                                        reconnection_delay_max=5, logger=False,
                                        engineio_logger=False)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.sio.on("connect_error", self._connect_error)
        self.sio.on("error", self._error)
        for name in PUSHED:
            self.sio.on(name, self._pushed_handler(name))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._on_state(state)

    async def _connected(self) -> None:
        self._refusal = None
        back = self.state == "reconnecting"
        self._set_state("online")
        if back:  # what was said while away comes from history
            await self._catch_up(self.chat.reconnected())

    async def _catch_up(self, step: Awaitable[None]) -> None:
        """A failed catch-up is tried again on the next gap or reconnect."""
        try:
            await step
        except (ApiError, Unreachable) as exc:
            log.debug("chat catch-up failed: %s", exc)

    async def _disconnected(self, reason: Any = None) -> None:
        if self._closing:
            self._set_state("offline")
        elif self.sio.reconnection:
            self._set_state("reconnecting")
        else:
            self._set_state("offline")

    async def _connect_error(self, data: Any = None) -> None:
        # The server refusing our token answers with {"message": ...}; a transport that
        # fails gives a string. A refused token will not get better by retrying.
        if isinstance(data, dict) and "message" in data:
            self._refusal = str(data["message"])
            if self.state == "reconnecting":
                asyncio.get_running_loop().create_task(self._give_up())

    async def _give_up(self) -> None:
        await self.close()
        self._on_event("session_revoked", SERVER_EVENTS["session_revoked"](
            reason=self._refusal or "the server refused the session"))

    async def _error(self, data: Any = None) -> None:
        try:
            self._on_event("error", ErrorReply.model_validate(data))
        except ValidationError:
            log.debug("unreadable error event: %r", data)

    def _pushed_handler(self, name: str) -> Callable[[Any], Any]:
        model = SERVER_EVENTS[name]

        async def handler(data: Any = None) -> None:
            try:
                event = model.model_validate(data)
            except ValidationError:
                log.debug("unreadable %s event: %r", name, data)
                return
            if isinstance(event, ChatMessage):
                await self._catch_up(self.chat.received(event))
            else:
                self._on_event(name, event)

        return handler

    async def open(self) -> "LiveChannel":
        """Connect, signed in with the token; a refused token raises `Refused`."""
        try:
            await self.sio.connect(self.url, auth=self._auth,
                                   transports=["websocket"], wait_timeout=10)
        except socketio.exceptions.ConnectionError as exc:
            if self._refusal is not None:
                raise Refused(f"live channel refused: {self._refusal}") from exc
            raise Unreachable(f"cannot reach {self.describe} for live events: {exc}") from exc
        return self

    async def close(self) -> None:
        self._closing = True
        await self.sio.disconnect()
        self._set_state("offline")

    async def __aenter__(self) -> "LiveChannel":
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _ask(self, event: str, payload: BaseModel, reply: type[BaseModel]) -> Any:
        expected = _PAYLOADS[event]
        if expected is not None and not isinstance(payload, expected):
            raise TypeError(f"{event} carries {expected.__name__}")
        if self.state != "online":
            raise Unreachable(f"not connected to {self.describe} (live channel {self.state})")
        try:
            answer = await self.sio.call(event, payload.model_dump(mode="json", exclude_none=True),
                                         timeout=ACK_TIMEOUT)
        except socketio.exceptions.TimeoutError as exc:
            raise Unreachable(f"no answer from {self.describe} to {event}") from exc
        except socketio.exceptions.SocketIOError as exc:
            raise Unreachable(f"lost {self.describe} while sending {event}") from exc
        if isinstance(answer, dict) and "error" in answer:
            raise ApiError(_error_body(answer))
        try:
            return reply.model_validate(answer)
        except ValidationError as exc:
            raise ApiError(ErrorReply(error=f"unexpected answer to {event}",
                                      code=Status.INTERNAL)) from exc

    async def say(self, text: str) -> ChatAck:
        return await self._ask("chat", Chat(text=text), ChatAck)

    async def history(self, request: HistoryRequest) -> History:
        return await self._ask("history", request, History)

    async def who(self) -> Who:
        return await self._ask("who", EmptyPayload(), Who)

    async def answer_approval(self, answer: LoginApprovalAnswer) -> LoginApprovalClosed:
        return await self._ask("login_approval_answer", answer, LoginApprovalClosed)


def _error_body(answer: dict[str, Any]) -> ErrorReply:
    try:
        return ErrorReply.model_validate(answer)
    except ValidationError:
        return ErrorReply(error=str(answer.get("error")), code=Status.UNAUTHENTICATED)
