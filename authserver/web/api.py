"""One generic handler serves every call of the contracts' service table:
decode JSON, validate it with the call's request model, call the service, encode."""

from pydantic import ValidationError
from tornado.web import HTTPError, stream_request_body

from authserver.errors import ServiceError, describe, invalid
from authserver.security.devices import DEVICE_COOKIE
from authserver.services.admission import admit, prove
from authserver.services.context import Caller, Context
from authserver.web import jsonbody
from authserver.web.base import JsonHandler
from authserver.web.client import (
    SAFE_METHODS,
    SESSION_COOKIE,
    bearer_token,
    caller_of,
    cross_site,
    own_origin,
    same_origin,
)
from authserver.web.cookies import COOKIE_EFFECTS, SIGN_IN_CALLS
from contracts import Call, Status
from contracts.messages import Empty

MAX_BODY_BYTES = 64 * 1024
EMPTY = Empty()  # the request of every call without a body: nothing in it to change
JSON_MEDIA_TYPE = "application/json"


class ApiHandler(JsonHandler):
    """Serves one `Call` sent without a body (GET); its service function comes from the
    registry. Tornado reads the whole request before `prepare`, which a streamed body
    would have cost two more turns of the loop on every call."""

    def initialize(self, call: Call, service, ctx: Context) -> None:
        self.call, self.service, self.ctx = call, service, ctx

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
        if self._has_body() and not self._is_json():
            # A browser sends text/plain, form and multipart bodies to any site without
            # asking first; JSON it must announce in a preflight the site can refuse.
            raise HTTPError(415, "Send the body as JSON, with Content-Type: application/json.")
        self.refused_before_body = False

    def _has_body(self) -> bool:
        headers = self.request.headers
        return headers.get("Content-Length", "0") not in ("", "0") or "Transfer-Encoding" in headers

    def _is_json(self) -> bool:
        media_type = self.request.headers.get("Content-Type", "").partition(";")[0]
        return media_type.strip().lower() == JSON_MEDIA_TYPE

    def _body(self) -> bytes:
        return self.request.body

    def _request_model(self):
        body = self._body().strip()
        if self.call.request is Empty and not body:
            return EMPTY
        try:
            return self.call.request.model_validate(jsonbody.decode(body))
        except jsonbody.BadJson as exc:
            raise invalid(str(exc)) from None
        except ValidationError as exc:
            raise describe(exc) from None

    def _caller(self) -> Caller:
        settings = self.ctx.settings
        token = bearer_token(self.request)
        if token is None and self.call.authenticated:
            token = self.get_cookie(SESSION_COOKIE)
            if (token and self.request.method not in SAFE_METHODS
                    and not same_origin(self.request, settings.trusted_proxies,
                                        settings.public_url)):
                raise ServiceError(
                    Status.PERMISSION_DENIED,
                    "A request carrying the session cookie must come from this site's own pages.",
                )
        if self.call.name in SIGN_IN_CALLS and cross_site(
            self.request, settings.allowed_origins, settings.public_url
        ):
            # Another site's page must not sign its visitor in as anyone (login CSRF).
            raise ServiceError(
                Status.PERMISSION_DENIED, "Signing in is only possible from this site's pages."
            )
        return caller_of(
            self.request, settings.trusted_proxies, token=token,
            device=self.get_cookie(DEVICE_COOKIE),
            # what WebAuthn checks a passkey's answer against: PUBLIC_URL, or this request's
            # own origin (its scheme as a trusted proxy says)
            origin=own_origin(self.request, settings.trusted_proxies, settings.public_url),
        )

    def _body_size(self) -> int:
        return len(self.request.body)

    async def _serve(self) -> None:
        if self._body_size() > MAX_BODY_BYTES:
            raise HTTPError(413, f"The body may be at most {MAX_BODY_BYTES} bytes.")
        try:
            # who may call is settled before the body is read: 401, then 403, then 400
            caller = await admit(self.ctx, self.call, self._caller())
            request = self._request_model()
            await prove(self.ctx, self.call, caller, request)
            reply = await self.service(self.ctx, request, caller)
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


@stream_request_body
class ApiBodyHandler(ApiHandler):
    """Serves a `Call` sent with a body (POST): the body is read as it arrives, after
    `prepare` has refused what it can without it (a wrong method or media type, a
    declared length over MAX_BODY_BYTES), and no more than MAX_BODY_BYTES of it is kept."""

    def initialize(self, call: Call, service, ctx: Context) -> None:
        super().initialize(call, service, ctx)
        self._chunks: list[bytes] = []
        self._size = 0

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_BODY_BYTES:
            self._chunks.append(chunk)

    def _body(self) -> bytes:
        return b"".join(self._chunks)

    def _body_size(self) -> int:
        return self._size
