"""One generic handler serves every call of the contracts' service table:
decode JSON, validate it with the call's request model, call the service, encode."""

from pydantic import ValidationError
from tornado.web import HTTPError, stream_request_body

from authserver.errors import ServiceError, describe, invalid
from authserver.services.context import Caller, Context
from authserver.web import jsonbody
from authserver.web.base import JsonHandler
from authserver.web.client import (
    SAFE_METHODS,
    SESSION_COOKIE,
    bearer_token,
    client_ip,
    same_origin,
)
from authserver.web.cookies import COOKIE_EFFECTS
from contracts import Call, Status
from contracts.messages import Empty

MAX_BODY_BYTES = 64 * 1024


@stream_request_body
class ApiHandler(JsonHandler):
    """Serves one `Call`; its service function comes from the registry."""

    def initialize(self, call: Call, service, ctx: Context) -> None:
        self.call, self.service, self.ctx = call, service, ctx
        self._chunks: list[bytes] = []
        self._size = 0

    def allowed_methods(self) -> tuple[str, ...]:
        return (self.call.method, "OPTIONS")

    def prepare(self) -> None:
        super().prepare()
        self.refused_before_body = True
        if self.request.method not in self.allowed_methods():
            raise HTTPError(405, f"Use {self.call.method} for {self.call.route}.")
        declared = self.request.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise HTTPError(413, f"The body may be at most {MAX_BODY_BYTES} bytes.")
        self.refused_before_body = False

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_BODY_BYTES:
            self._chunks.append(chunk)

    def _request_model(self):
        body = b"".join(self._chunks).strip()
        if self.call.request is Empty and not body:
            return Empty()
        try:
            return self.call.request.model_validate(jsonbody.decode(body))
        except jsonbody.BadJson as exc:
            raise invalid(str(exc)) from None
        except ValidationError as exc:
            raise describe(exc) from None

    def _caller(self) -> Caller:
        token = bearer_token(self.request)
        if token is None and self.call.authenticated:
            token = self.get_cookie(SESSION_COOKIE)
            if token and self.request.method not in SAFE_METHODS and not same_origin(self.request):
                raise ServiceError(
                    Status.PERMISSION_DENIED,
                    "A request carrying the session cookie must come from this site's own pages.",
                )
        return Caller(
            ip=client_ip(self.request, self.ctx.settings.trusted_proxies),
            user_agent=self.request.headers.get("User-Agent", "")[:300],
            token=token,
            origin=f"{self.request.protocol}://{self.request.host}",
        )

    async def _serve(self) -> None:
        if self._size > MAX_BODY_BYTES:
            raise HTTPError(413, f"The body may be at most {MAX_BODY_BYTES} bytes.")
        try:
            caller = self._caller()
            reply = await self.service(self.ctx, self._request_model(), caller)
        except ServiceError as error:
            self.refuse(error)
            return
        effect = COOKIE_EFFECTS.get(self.call.name)
        if effect:
            effect(self, reply, self.ctx.settings)
        self.write_json(self.call.status, reply.model_dump_json())

    async def get(self) -> None:
        with self.application.settings["in_flight"].track():
            await self._serve()

    async def post(self) -> None:
        with self.application.settings["in_flight"].track():
            await self._serve()
