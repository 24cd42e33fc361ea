"""What every OpenID Provider handler shares: the issuer, the caller, Authlib's request
built from Tornado's, replies written back, and RFC-shaped errors."""

import json
from urllib.parse import urlsplit

from tornado.web import HTTPError, RequestHandler

from authserver.oauth.requests import Reply, TornadoOAuth2Request
from authserver.oauth.server import OpenIDProvider
from authserver.services.context import Caller, Context
from authserver.web.client import caller_of, own_origin
from authserver.web.headers import apply_security_headers
from authserver.web.request_hooks import assign_request_id, enter_request


def issuer_of(handler: RequestHandler, ctx: Context) -> str:
    """PUBLIC_URL; in development without it, the origin this request names (the
    scheme as a trusted proxy says), like the web UI's own origin."""
    settings = ctx.settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return own_origin(handler.request, settings.trusted_proxies)


class OAuthHandler(RequestHandler):
    """Base of the standard endpoints: no caching, the security headers, and a refusal
    while the server stops."""

    def initialize(self, ctx: Context, provider: OpenIDProvider, static: str) -> None:
        self.ctx, self.provider, self.static = ctx, provider, static

    def prepare(self) -> None:
        enter_request(self)
        if self.application.settings["in_flight"].closing:
            raise HTTPError(503)

    def set_default_headers(self) -> None:
        apply_security_headers(self)
        assign_request_id(self)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Pragma", "no-cache")

    @property
    def issuer(self) -> str:
        return issuer_of(self, self.ctx)

    def caller(self) -> Caller:
        return caller_of(self.request, self.ctx.settings.trusted_proxies)

    def oauth_request(self, *, from_query: bool, caller: Caller | None = None
                      ) -> TornadoOAuth2Request:
        """Authlib's view of this request; its URI as the client sees it."""
        issuer = self.issuer
        parts = urlsplit(issuer)
        uri = f"{parts.scheme}://{parts.netloc}{self.request.uri}"
        return TornadoOAuth2Request(self.request, uri, issuer, caller or self.caller(),
                                    from_query=from_query)

    def send_reply(self, reply: Reply) -> None:
        self.set_status(reply.status)
        for name, value in reply.headers:
            self.set_header(name, value)
        body = reply.body
        if isinstance(body, dict):
            self.set_header("Content-Type", "application/json; charset=utf-8")
            body = json.dumps(body)
        self.finish(body)

    def send_json(self, status: int, body: dict, **headers: str) -> None:
        self.send_reply(Reply(status, body, list(headers.items())))

    def write_error(self, status_code: int, **kwargs) -> None:
        """Tornado's own refusals (404, 405, 503, 500) in the RFCs' error shape."""
        error = {405: "invalid_request", 503: "temporarily_unavailable"}.get(
            status_code, "server_error" if status_code >= 500 else "invalid_request")
        if status_code == 503:
            self.set_header("Retry-After", "1")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": error}))
