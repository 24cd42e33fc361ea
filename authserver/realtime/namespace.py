"""The one Socket.IO namespace: one method per event, each a few lines over services.

The event table in contracts (`CLIENT_EVENTS`) drives it, as the service table drives
the REST handlers: an event not in the table is refused, one that needs a signed-in
socket is refused to others with `auth_error`, and its payload is validated against the
table's model before the event's method sees it.
"""

import logging
from collections.abc import Callable
from datetime import datetime

import socketio
from pydantic import BaseModel, ValidationError

from authserver.errors import SecondFactorRequired, ServiceError, describe
from authserver.observability.metrics import SOCKETS
from authserver.realtime.origin_policy import cookie_may_sign_in, session_cookie
from authserver.services import throttling
from authserver.services.accounts.lookup import as_reply
from authserver.services.chat import gate
from authserver.services.chat import messages as chat
from authserver.services.context import Caller, Context
from authserver.services.factors import approval_requests as approval
from authserver.services.factors import second_step as second_factor
from authserver.services.sessions import lifecycle as sessions
from authserver.services.sessions.login import check_credentials
from authserver.web.client import caller_of
from contracts import Status
from contracts import events as ev

log = logging.getLogger(__name__)

MEMBERS = gate.EVERYONE
TOO_MANY_CHATS = "You are sending messages too fast. Wait {wait}."
TOO_MANY_ECHOES = "You are sending messages too fast. Wait {wait}."
EVENTS = {event.name: event for event in ev.CLIENT_EVENTS}
# The server's own events: it calls them while a socket connects or disconnects.
RESERVED = frozenset({"connect", "disconnect"})


def session_room(session_id: int) -> str:
    return f"session:{session_id}"


def account_room(user_id: int) -> str:
    """Every signed-in socket of one account, on every worker (through the manager)."""
    return f"account:{user_id}"


def _dump(model: BaseModel) -> dict:
    return model.model_dump(mode="json", exclude_none=True)


class AuthNamespace(socketio.AsyncNamespace):
    def __init__(self, ctx: Context, presence) -> None:
        super().__init__("/")
        self.ctx = ctx
        self.presence = presence
        # Told of each session a socket signs in with and when it expires (RealTime's
        # expiry timer).
        self.session_joined: Callable[[int, datetime], None] = lambda session_id, at: None

    # --- connection -------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict, auth) -> None:
        auth = auth if isinstance(auth, dict) else {}
        token = auth.get("token")
        if token is None and cookie_may_sign_in(environ):
            token = session_cookie(environ)
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
            await self._sign_in(sid, signed_in)
            user = as_reply(signed_in.user)
        hello = ev.Connected(message=f"Connected to {self.ctx.settings.app_name}.", sid=sid,
                             user=user)
        await self.emit("connected", _dump(hello), to=sid)
        SOCKETS.inc()

    async def on_disconnect(self, sid: str, reason=None) -> None:
        SOCKETS.dec()
        state = await self.get_session(sid)
        if state.get("own_session"):
            await self._close_own_session(state["session_id"])
        username = state.get("username")
        if username and not state.get("quiet") and await self.presence.closed(username):
            await self._announce(ev.Presence(user=username, online=False))

    async def _announce(self, presence: ev.Presence) -> None:
        """Say that someone came online or went offline, to whom PRESENCE allows."""
        room = gate.presence_room(self.ctx.settings)
        if room is not None:
            await self.emit("presence", _dump(presence), room=room)

    async def _sign_in(self, sid: str, signed_in: sessions.SignedIn,
                       own_session: bool = False) -> None:
        """Tie the socket to a live session: its end (logout, expiry, deletion, the
        sweep) ends the socket too. An `own_session` (opened for a password sign-in)
        ends when the socket does. A quiet socket (a one-shot client) is not announced."""
        user = signed_in.user
        quiet = (await self.get_session(sid)).get("quiet", False)
        await self.save_session(
            sid,
            {"user_id": user.id, "username": user.username,
             "session_id": signed_in.session_id, "expires_at": signed_in.expires_at,
             "own_session": own_session, "quiet": quiet, "admin": user.role == "admin"},
        )
        await self.enter_room(sid, MEMBERS)
        if user.role == "admin":
            await self.enter_room(sid, gate.ADMINS)
        await self.enter_room(sid, session_room(signed_in.session_id))
        self.session_joined(signed_in.session_id, signed_in.expires_at)
        await self.enter_room(sid, account_room(user.id))
        if not quiet and await self.presence.opened(user.username):
            await self._announce(ev.Presence(user=user.username, online=True))

    async def take_role(self, user_id: int, admin: bool) -> None:
        """The account's sockets here take its role as it is now: the saved flag that
        gates events (`gate.refusal`) and the admins' room (what is broadcast to admins).
        Each socket whose role this changes is told (`role_changed`), so a page shows or
        hides what needs the role. Sockets are set before any is told: nothing here waits
        until the emits, so two calls at once do not tell a socket twice."""
        room = account_room(user_id)
        changed = []
        for sid, _ in list(self.server.manager.get_participants(self.namespace, room)):
            state = await self.get_session(sid)
            if state.get("admin", False) == admin:
                continue
            await self.save_session(sid, {**state, "admin": admin})
            if admin:
                await self.enter_room(sid, gate.ADMINS)
            else:
                await self.leave_room(sid, gate.ADMINS)
            changed.append(sid)
        told = _dump(ev.RoleChanged(role="admin" if admin else "user"))
        for sid in changed:
            await self.emit("role_changed", told, to=sid)

    # --- dispatch ---------------------------------------------------------------

    async def trigger_event(self, event: str, *args):
        """Check an event against CLIENT_EVENTS, then call its method with the payload.

        `connect` and `disconnect` are the server's own: it calls them while the socket is
        still connecting or already disconnecting. Sent by a client on an open socket
        they are refused, or they would run with the client's data as their arguments.
        """
        sid, payload = args[0], args[1:]
        if event in RESERVED:
            if self.server.manager.is_connected(sid, self.namespace):
                return await self._refuse(sid, ServiceError(
                    Status.INVALID_ARGUMENT, f"'{event}' is not an event to send."))
            return await super().trigger_event(event, *args)
        spec = EVENTS.get(event)
        if spec is None:
            return await self._refuse(
                sid, ServiceError(Status.NOT_FOUND, f"There is no event called '{event}'.")
            )
        if len(payload) > 1:
            return await self._refuse(sid, ServiceError(
                Status.INVALID_ARGUMENT, f"'{event}' takes one payload, not {len(payload)}."))
        state = await self.get_session(sid)
        if spec.needs_auth and state.get("user_id") is None:
            await self.emit(
                "auth_error", _dump(ev.AuthError(error="Please authenticate first.")), to=sid
            )
            return None
        refused = gate.refusal(self.ctx.settings, event, admin=state.get("admin", False))
        if refused is not None:
            return await self._refuse(sid, refused)
        data = payload[0] if payload else None
        if spec.payload is not None:
            try:
                data = spec.payload.model_validate(data if data is not None else {})
            except ValidationError as exc:
                return await self._refuse(sid, describe(exc))
        return await getattr(self, f"on_{event}")(sid, data, state)

    # --- helpers ----------------------------------------------------------------

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
        return caller_of(request, self.ctx.settings.trusted_proxies, channel="socket")

    async def _close_own_session(self, session_id: int) -> None:
        try:
            await sessions.close_socket_session(self.ctx, session_id)
        except ServiceError as error:  # the database is away; the session expires anyway
            log.warning("could not end socket session %s: %s", session_id, error.message)

    # --- events (payloads validated by trigger_event) ----------------------------

    async def on_authenticate(self, sid: str, request: ev.Authenticate, state: dict):
        """Sign the socket in. One socket is one user: signing in as someone else on a
        signed-in socket is refused (disconnect and connect again to switch)."""
        signed_in = None
        caller = self._caller(sid)
        try:
            if request.token is not None:
                signed_in = await sessions.authenticate(self.ctx, request.token)
                user = signed_in.user
            else:
                # Authenticate's validator: without a token, both of these are given.
                assert request.username is not None and request.password is not None
                user = await check_credentials(
                    self.ctx, request.username, request.password, caller
                )
        except ServiceError as error:
            return await self._auth_refused(sid, error)
        current = state.get("user_id")
        if current is not None and current != user.id:
            return await self._answer(sid, "auth_error", ev.AuthError(
                error=f"This connection is signed in as {state['username']}. "
                      "Disconnect and connect again to sign in as someone else.",
                code=Status.FAILED_PRECONDITION.value,
            ))
        if current is None:
            if signed_in is not None:
                await self._sign_in(sid, signed_in)
            else:
                opened = await sessions.open_socket_session(self.ctx, user, caller)
                await self._sign_in(sid, opened, own_session=True)
        success = ev.AuthSuccess(message="Authenticated.", user=as_reply(user))
        return await self._answer(sid, "auth_success", success)

    async def on_second_factor(self, sid: str, request: ev.SecondFactor, state: dict):
        """The second step of a password `authenticate` for an account with a second
        factor: the challenge that `auth_error` carried, and a code."""
        if state.get("user_id") is not None:
            return await self._answer(sid, "auth_error", ev.AuthError(
                error=f"This connection is signed in as {state['username']} already.",
                code=Status.FAILED_PRECONDITION.value,
            ))
        caller = self._caller(sid)
        try:
            user = await second_factor.finish(self.ctx, request, caller)
            opened = await sessions.open_socket_session(self.ctx, user, caller)
        except ServiceError as error:
            return await self._auth_refused(sid, error)
        await self._sign_in(sid, opened, own_session=True)
        success = ev.AuthSuccess(message="Authenticated.", user=as_reply(user))
        return await self._answer(sid, "auth_success", success)

    async def _auth_refused(self, sid: str, error: ServiceError) -> dict:
        """`auth_error` with the reason (and the challenge, when a second factor is due)."""
        challenge = error.challenge if isinstance(error, SecondFactorRequired) else None
        refusal = ev.AuthError(error=error.message, code=error.status.value,
                               retry_after=error.retry_after, second_factor=challenge)
        if error.status is Status.RESOURCE_EXHAUSTED:
            # Throttling is said the way every other limit says it, as well as in
            # the seed's auth_error.
            await self._refuse(sid, error)
        return await self._answer(sid, "auth_error", refusal)

    async def on_message(self, sid: str, data, state: dict):
        try:
            caller = self._caller(sid)
            await throttling.hit(self.ctx, caller, "echo_socket", sid, TOO_MANY_ECHOES)
            await throttling.hit(self.ctx, caller, "echo_ip", caller.client, TOO_MANY_ECHOES)
        except ServiceError as error:
            return await self._refuse(sid, error)
        echo = {"echo": data}
        await self.emit("message", echo, to=sid)
        return echo

    async def on_chat(self, sid: str, request: ev.Chat, state: dict):
        try:
            await throttling.hit(self.ctx, self._caller(sid), "chat_user", str(state["user_id"]),
                              TOO_MANY_CHATS)
            message = await self.ctx.store.run(
                chat.store_message,
                user_id=state["user_id"], username=state["username"], text=request.text,
            )
        except ServiceError as error:
            return await self._refuse(sid, error)
        await self.emit("chat", _dump(message), room=MEMBERS)
        return _dump(ev.ChatAck(id=message.id, ts=message.ts, seq=message.seq))

    async def catch_up(self) -> None:
        """Back on Redis after losing it: chats acked meanwhile by other processes never
        reached this one's sockets. Send them the room's latest message, from here only;
        a client that lacks it, or sees a gap before it, asks `history {after}`, and one
        that has it drops it by its seq."""
        try:
            latest = await self.ctx.store.run(chat.latest_message)
        except ServiceError as error:
            log.warning("chat catch-up after Redis came back failed: %s", error.message)
            return
        if latest is not None:
            await self.server.manager.emit("chat", _dump(latest), namespace=self.namespace,
                                           room=MEMBERS, ignore_queue=True)

    async def on_history(self, sid: str, request: ev.HistoryRequest, state: dict):
        try:
            page = await self.ctx.store.run(chat.history_page, request)
        except ServiceError as error:
            return await self._refuse(sid, error)
        return await self._answer(sid, "history", page)

    async def on_login_approval_answer(self, sid: str, request: ev.LoginApprovalAnswer,
                                       state: dict):
        """Approve a sign-in with the number picked, or refuse it; every socket of the
        account hears the outcome (`login_approval_closed`), this one as the ack too."""
        try:
            return await approval.answer(self.ctx, self._caller(sid), user_id=state["user_id"],
                                         session_id=state["session_id"], request=request)
        except ServiceError as error:
            return await self._refuse(sid, error)

    async def on_who(self, sid: str, request: ev.EmptyPayload, state: dict):
        return await self._answer(sid, "who", ev.Who(users=await self.presence.online()))
