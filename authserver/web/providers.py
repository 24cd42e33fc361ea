"""Signing in with an outside OpenID Provider, in the browser: the start (a 302 to the
provider with PKCE, `state` and `nonce`), and the callback it sends the person back to.

The flow's secrets ride in a sealed cookie, HttpOnly and SameSite=Lax (the provider's
redirect back is a cross-site top-level GET, which Lax lets through and Strict does not),
scoped to these URLs and cleared by the callback before anything else: a replayed
callback has no flow to match. The session cookie is set like the password login's
(web/cookies.py), then a page of ours hops to where the person was going, so the
SameSite=Strict cookie goes with the next request.

A refusal is a 4xx page (or JSON for a client that asks for it), and changes nothing.
"""

import base64
import json
from types import SimpleNamespace

from tornado.web import RequestHandler

from authserver.errors import SecondFactorRequired, ServiceError, invalid
from authserver.oauth import pages
from authserver.oauth.base import issuer_of
from authserver.services.context import Caller, Context
from authserver.services.providers import reauth, registry, relying_party, sign_in
from authserver.services.providers.discovery import Discovery
from authserver.services.sessions.lifecycle import authenticate
from authserver.web.client import SESSION_COOKIE, caller_of, scheme
from authserver.web.cookies import set_session_cookie
from authserver.web.headers import apply_security_headers
from authserver.web.request_hooks import assign_request_id, enter_request
from contracts import Status

FLOW_COOKIE = "authserver_provider_flow"
# Read once by the web UI, which then asks for the second factor (second-factor.js).
CHALLENGE_COOKIE = "authserver_second_factor"
FLOW_PATH = "/api/login/provider/"


def safe_next(value: str | None) -> str:
    """A path on this site to go to afterwards; anything else (another site, `//host`,
    a backslash trick) becomes the home page."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) \
            and "\\" not in value and len(value) <= 4000:
        return value
    return "/"


class ProviderHandler(RequestHandler):
    def initialize(self, ctx: Context, discovery: Discovery, static: str) -> None:
        self.ctx, self.discovery, self.static = ctx, discovery, static

    def prepare(self) -> None:
        enter_request(self)

    def set_default_headers(self) -> None:
        apply_security_headers(self)
        assign_request_id(self)
        self.set_header("Cache-Control", "no-store")

    def caller(self) -> Caller:
        return caller_of(self.request, self.ctx.settings.trusted_proxies)

    def redirect_uri(self, name: str) -> str:
        return f"{issuer_of(self, self.ctx)}{FLOW_PATH}{name}/callback"

    def secure(self) -> bool:
        return scheme(self.request, self.ctx.settings.trusted_proxies) == "https"

    def refuse(self, error: ServiceError) -> None:
        status = error.status.http_status
        self.set_status(status)
        if "application/json" in self.request.headers.get("Accept", ""):
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps({"error": error.message, "code": error.status.value}))
        else:
            self.finish(pages.provider_refused(self.static, error.message))

    async def provider(self, name: str) -> registry.Provider | None:
        found = await self.ctx.store.run(registry.find, name)
        if found is None:
            self.refuse(ServiceError(Status.NOT_FOUND,
                                     f"There is no provider {name!r} here."))
        return found


class StartHandler(ProviderHandler):
    async def get(self, name: str) -> None:
        provider = await self.provider(name)
        if provider is None:
            return
        link = self.get_query_argument("link", "") == "1"
        proof = self.get_query_argument("proof", "") == "1"
        signed_in = None
        if link or proof:
            try:
                signed_in = await authenticate(self.ctx, self.get_cookie(SESSION_COOKIE))
            except ServiceError as error:
                self.refuse(error)
                return
        who = (signed_in.user.id, signed_in.session_id) if signed_in else (None, None)
        next_path = safe_next(self.get_query_argument("next", None))
        if proof:
            flow = relying_party.new_flow(provider, next_path, proof_user=who[0],
                                          proof_session=who[1])
        else:
            flow = relying_party.new_flow(provider, next_path, *(who if link else (None, None)))
        try:
            url = await relying_party.authorization_url(self.discovery, provider, flow,
                                                        self.redirect_uri(name))
        except ServiceError as error:
            self.refuse(error)
            return
        self.set_cookie(FLOW_COOKIE, relying_party.seal(self.ctx.settings.secret_key, flow),
                        path=FLOW_PATH, httponly=True, samesite="Lax", secure=self.secure(),
                        max_age=relying_party.FLOW_SECONDS)
        self.redirect(url)


class CallbackHandler(ProviderHandler):
    async def get(self, name: str) -> None:
        sealed = self.get_cookie(FLOW_COOKIE)
        # Gone before anything else: whatever happens next, this callback cannot be replayed.
        self.clear_cookie(FLOW_COOKIE, path=FLOW_PATH, httponly=True, samesite="Lax",
                          secure=self.secure())
        try:
            await self._finish(name, sealed)
        except SecondFactorRequired as asked:
            # The login's own challenge (its factors, approval's number), as base64url JSON.
            said = base64.urlsafe_b64encode(asked.challenge.model_dump_json().encode())
            self.set_cookie(CHALLENGE_COOKIE, said.decode().rstrip("="), path="/",
                            samesite="Strict", secure=self.secure(), max_age=300)
            self.finish(pages.hop(self.static, self._next + "#second-factor"))
        except ServiceError as error:
            self.refuse(error)

    async def _finish(self, name: str, sealed: str | None) -> None:
        settings = self.ctx.settings
        flow = relying_party.unseal(settings.secret_key, sealed)
        self._next = "/?next=" + flow.next if flow.next != "/" else "/"
        if flow.provider != name:
            raise invalid("This answer is for another provider's sign-in.")
        provider = await self.ctx.store.run(registry.find, name)
        if provider is None:
            raise ServiceError(Status.NOT_FOUND, f"There is no provider {name!r} here.")
        query = {key: self.get_query_argument(key) for key in self.request.query_arguments}
        code = relying_party.check_answer(flow, query, provider.issuer)
        identity = await relying_party.exchange(self.discovery, provider, settings,
                                                flow, code, self.redirect_uri(name))
        if flow.proof_user is not None:  # proving it is them, for a credential change
            await reauth.record_proof(self.ctx, provider, identity, flow, self.caller())
            self.finish(pages.hop(self.static, flow.next))
            return
        done = await sign_in.finish(self.ctx, provider, identity, flow, self.caller())
        if done.token is None:  # a link from the Account view
            self.finish(pages.hop(self.static, "/#account"))
            return
        set_session_cookie(self, SimpleNamespace(token=done.token, user=done.outcome.user),
                           settings)
        self.finish(pages.hop(self.static, flow.next))


def routes(ctx: Context, static: str) -> list[tuple]:
    options = {"ctx": ctx, "discovery": Discovery(), "static": static}
    return [
        (r"/api/login/provider/([a-z0-9-]{1,40})", StartHandler, options),
        (r"/api/login/provider/([a-z0-9-]{1,40})/callback", CallbackHandler, options),
    ]
