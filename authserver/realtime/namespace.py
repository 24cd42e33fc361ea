"""The one Socket.IO namespace: one method per event, each a few lines over services."""

import logging
from http.cookies import CookieError, SimpleCookie

import socketio
from pydantic import BaseModel, ValidationError

from authserver.errors import SecondFactorRequired, ServiceError, describe
from authserver.services import audit, chat, second_factor, sessions
from authserver.services.context import Caller, Context
from authserver.services.login import check_credentials
from authserver.services.users import as_reply
from authserver.web.client import SESSION_COOKIE, client_ip
from contracts import Status
from contracts import events as ev

log = logging.getLogger(__name__)

MEMBERS = "members"
TOO_MANY_CHATS = "You are sending messages too fast. Wait {wait}."


def session_room(session_id: int) -> str:
    return f"session:{session_id}"


def _cookie_token(environ: dict) -> str | None:
    try:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


def _dump(model: BaseModel) -> dict:
    return model.model_dump(mode="json", exclude_none=True)


class AuthNamespace(socketio.AsyncNamespace):
    def __init__(self, ctx: Context, presence) -> None:
        super().__init__("/")
        self.ctx = ctx
        self.presence = presence

    # --- connection -------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict, auth) -> None:
        auth = auth if isinstance(auth, dict) else {}
        token = auth.get("token") or _cookie_token(environ)
        if auth.get("presence") is False:
            # A one-shot client (`authcli say`) is not someone coming online: it chats
            # without announcing itself, and `who` does not list it.
            await self.save_session(sid, {"quiet": True})
        user = None
        if token is not None:
            try:
                signed_in = await sessions.authenticate(self.ctx, str(token))
            except ServiceError as error:
                raise socketio.exceptions.ConnectionRefusedError(error.message) from None
            await self._sign_in(sid, signed_in.user, signed_in.session_id, signed_in.expires_at)
            user = as_reply(signed_in.user)
        await self.emit(
            "connected",
            _dump(ev.Connected(message="Connected to authserver.", sid=sid, user=user)),
            to=sid,
        )

    async def on_disconnect(self, sid: str, reason=None) -> None:
        state = await self.get_session(sid)
        if state.get("own_session"):
            await self._close_own_session(state["session_id"])
        username = state.get("username")
        if username and not state.get("quiet") and await self.presence.closed(username):
            offline = ev.Presence(user=username, online=False)
            await self.emit("presence", _dump(offline), room=MEMBERS)

    async def _sign_in(self, sid: str, user, session_id: int | None, expires_at,
                       own_session: bool = False) -> None:
        state = await self.get_session(sid)
        if state.get("user_id") == user.id:
            if own_session:  # signed in again by password: the new session is not needed
                await self._close_own_session(session_id)
            return
        if state.get("session_id") is not None:  # signed in before, as someone else
            await self.leave_room(sid, session_room(state["session_id"]))
            if state.get("own_session"):
                await self._close_own_session(state["session_id"])
        quiet = state.get("quiet", False)
        await self.save_session(
            sid,
            {"user_id": user.id, "username": user.username, "session_id": session_id,
             "expires_at": expires_at, "own_session": own_session, "quiet": quiet},
        )
        await self.enter_room(sid, MEMBERS)
        if session_id is not None:
            await self.enter_room(sid, session_room(session_id))
        if not quiet and await self.presence.opened(user.username):
            await self.emit(
                "presence", _dump(ev.Presence(user=user.username, online=True)), room=MEMBERS
            )

    async def _close_own_session(self, session_id: int) -> None:
        try:
            await sessions.close_socket_session(self.ctx, session_id)
        except ServiceError as error:  # the database is away; the session expires anyway
            log.warning("could not end socket session %s: %s", session_id, error.message)

    # --- helpers ----------------------------------------------------------------

    async def _payload(self, sid: str, model: type[BaseModel], data):
        """The validated payload, or None after telling the client what was wrong."""
        try:
            return model.model_validate(data if data is not None else {})
        except ValidationError as exc:
            await self._refuse(sid, describe(exc))
            return None

    async def _answer(self, sid: str, event: str, reply: BaseModel) -> dict:
        """Send `reply` as `event` to the sender; the same body is the ack."""
        body = _dump(reply)
        await self.emit(event, body, to=sid)
        return body

    async def _refuse(self, sid: str, error: ServiceError) -> dict:
        return await self._answer(sid, "error", error.reply())

    def _caller(self, sid: str) -> Caller:
        """Who is on this socket, from the request that opened it (proxy-aware)."""
        request = self.server.get_environ(sid, self.namespace)["tornado.handler"].request
        return Caller(
            ip=client_ip(request, self.ctx.settings.trusted_proxies),
            user_agent=request.headers.get("User-Agent", "")[:300],
            channel="socket",
        )

    async def _member(self, sid: str) -> dict | None:
        state = await self.get_session(sid)
        if state.get("user_id") is None:
            await self.emit(
                "auth_error", _dump(ev.AuthError(error="Please authenticate first.")), to=sid
            )
            return None
        return state

    # --- events -----------------------------------------------------------------

    async def on_authenticate(self, sid: str, data=None):
        request = await self._payload(sid, ev.Authenticate, data)
        if request is None:
            return None
        try:
            if request.token is not None:
                signed_in = await sessions.authenticate(self.ctx, request.token)
                user, session_id, expires_at = (
                    signed_in.user, signed_in.session_id, signed_in.expires_at
                )
            else:
                caller = self._caller(sid)
                user = await check_credentials(
                    self.ctx, request.username, request.password, caller
                )
                signed_in = await sessions.open_socket_session(self.ctx, user, caller)
                session_id, expires_at = signed_in.session_id, signed_in.expires_at
        except ServiceError as error:
            return await self._auth_refused(sid, error)
        await self._sign_in(sid, user, session_id, expires_at,
                            own_session=request.token is None)
        success = ev.AuthSuccess(message="Authenticated.", user=as_reply(user))
        return await self._answer(sid, "auth_success", success)

    async def on_second_factor(self, sid: str, data=None):
        """The second step of a password `authenticate` for an account with a second
        factor: the challenge that `auth_error` carried, and a code."""
        request = await self._payload(sid, ev.SecondFactor, data)
        if request is None:
            return None
        caller = self._caller(sid)
        try:
            user = await second_factor.finish(self.ctx, request, caller)
            signed_in = await sessions.open_socket_session(self.ctx, user, caller)
        except ServiceError as error:
            return await self._auth_refused(sid, error)
        await self._sign_in(sid, user, signed_in.session_id, signed_in.expires_at,
                            own_session=True)
        success = ev.AuthSuccess(message="Authenticated.", user=as_reply(user))
        return await self._answer(sid, "auth_success", success)

    async def _auth_refused(self, sid: str, error: ServiceError) -> dict:
        challenge = error.challenge if isinstance(error, SecondFactorRequired) else None
        refusal = ev.AuthError(error=error.message, code=error.status.value,
                               retry_after=error.retry_after, second_factor=challenge)
        if error.status is Status.RESOURCE_EXHAUSTED:
            # Throttling is said the way every other limit says it, as well as in
            # the seed's auth_error.
            await self._refuse(sid, error)
        return await self._answer(sid, "auth_error", refusal)

    async def on_message(self, sid: str, data=None):
        echo = {"echo": data}
        await self.emit("message", echo, to=sid)
        return echo

    async def on_chat(self, sid: str, data=None):
        state = await self._member(sid)
        request = state and await self._payload(sid, ev.Chat, data)
        if request is None:
            return None
        try:
            await audit.limit(self.ctx, self._caller(sid), "chat_user", str(state["user_id"]),
                              TOO_MANY_CHATS)
            message = await self.ctx.store.run(
                chat.store_message,
                user_id=state["user_id"], username=state["username"], text=request.text,
            )
        except ServiceError as error:
            return await self._refuse(sid, error)
        await self.emit("chat", _dump(message), room=MEMBERS)
        return _dump(ev.ChatAck(id=message.id, ts=message.ts))

    async def on_history(self, sid: str, data=None):
        request = await self._member(sid) and await self._payload(sid, ev.HistoryRequest, data)
        if request is None:
            return None
        try:
            page = await self.ctx.store.run(chat.history_page, request)
        except ServiceError as error:
            return await self._refuse(sid, error)
        return await self._answer(sid, "history", page)

    async def on_who(self, sid: str, data=None):
        if await self._member(sid) is None:
            return None
        if await self._payload(sid, ev.EmptyPayload, data) is None:
            return None
        return await self._answer(sid, "who", ev.Who(users=await self.presence.online()))

    async def trigger_event(self, event: str, *args):
        """Unknown events get an `error` rather than silence.

        `connect` and `disconnect` are the server's own: it calls them while the socket is
        still connecting or already disconnecting. Sent by a client on an open socket
        they are refused, or they would run with the client's data as their arguments.
        """
        sid = args[0]
        reserved = event in {"connect", "disconnect"}
        if reserved and self.server.manager.is_connected(sid, self.namespace):
            return await self._refuse(
                sid, ServiceError(Status.INVALID_ARGUMENT, f"'{event}' is not an event to send.")
            )
        if not reserved and not hasattr(self, f"on_{event}"):
            return await self._refuse(
                sid, ServiceError(Status.NOT_FOUND, f"There is no event called '{event}'.")
            )
        return await super().trigger_event(event, *args)
