"""The authorization endpoint: who is asking (the app and its exact redirect URI), who is
signed in (the web UI's own session cookie), whether they must sign in again (`prompt`,
`max_age`), whether they agreed (consent), then a code for the app.

Signing in here is the web UI's sign-in, with its second step, passkeys and limits: a
person without a session is sent to the login view with the request as its `next`, and
comes back here once signed in. An app that is unknown, or a redirect URI that is not
registered character for character, gets a 400 page: never a redirect (RFC 6749 4.1.2.1).
"""

import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError

from authserver.errors import ServiceError
from authserver.oauth import pages
from authserver.oauth.base import OAuthHandler
from authserver.oauth.requests import Reply, TornadoOAuth2Request
from authserver.observability import metrics
from authserver.services import audit
from authserver.services.oauth import claims, consent
from authserver.services.oauth import clients as registry
from authserver.services.sessions.lifecycle import SignedIn, authenticate
from authserver.web.client import SESSION_COOKIE, same_origin
from authserver.web.headers import CONTENT_SECURITY_POLICY

CONSENT_FORM_SECONDS = 600
LOGIN_VIEW = "/"
# Ours, not the app's: the sign-in must be no older than this (set when we send a person
# to sign in again for `prompt=login` or `max_age`).
LOGIN_AFTER = "login_after"


class AuthorizeHandler(OAuthHandler):
    async def get(self) -> None:
        with self.application.settings["in_flight"].track():
            await self._authorize(None)

    async def post(self) -> None:
        """The consent form's answer: same-origin, with the token the page carried. An
        app may also send its request as a form (OIDC Core 3.1.2.1): it goes on as the
        same request by GET, so one path checks everything."""
        with self.application.settings["in_flight"].track():
            if not self.request.query:
                form = {name: self.get_body_argument(name) for name in self.request.body_arguments}
                self.redirect("/oauth2/authorize?" + urlencode(form), status=303)
                return
            settings = self.ctx.settings
            if not same_origin(self.request, settings.trusted_proxies, settings.public_url):
                self._page(403, "This answer did not come from this site's own page.")
                return
            await self._authorize(self.get_body_argument("decision", ""))

    # --- steps ---------------------------------------------------------------------------

    async def _authorize(self, decision: str | None) -> None:
        query = {name: [v.decode("utf-8", "replace") for v in values]
                 for name, values in self.request.query_arguments.items()}
        client = await self._client(query)
        if client is None:
            return
        signed_in = await self._signed_in()
        if signed_in is None and self._cookie_held_back():
            self.finish(pages.hop(self.static, self.request.uri or "/"))
            return
        sign_in = (await self.ctx.store.run(claims.sign_in, signed_in.session_id)
                   if signed_in else None)
        fresh = self._fresh_enough(query, sign_in)
        person = None
        if signed_in is not None and fresh:
            person = await self.ctx.store.run(claims.person, signed_in.user.id)
        try:
            request = self.oauth_request(from_query=True)
        except OAuth2Error as error:  # http on a non-loopback host: Authlib insists on TLS
            self._page(400, error.description or "OAuth needs HTTPS here.")
            return
        request.person, request.sign_in = person, sign_in
        try:
            grant = await self.ctx.store.run(self.provider.get_consent_grant, request, person)
        except OAuth2Error as error:
            self._to_app(self.provider.handle_error_response(request, error), request)
            return
        if person is None:
            self._to_login(query, again=signed_in is not None)
            return
        assert signed_in is not None
        if not await self._consented(client, request, signed_in, person, grant, decision):
            return
        reply = await self.ctx.store.run(self.provider.create_authorization_response,
                                         request, person, grant)
        self._to_app(reply, request)

    async def _client(self, query: dict[str, list[str]]) -> registry.Client | None:
        """The registered app and its redirect URI, or a 400 page."""
        client_ids, redirect_uris = query.get("client_id", []), query.get("redirect_uri", [])
        if len(client_ids) != 1 or len(redirect_uris) != 1:
            self._page(400, "The request must name one app (client_id) and one "
                       "redirect_uri.")
            return None
        client = await self.ctx.store.run(registry.find, client_ids[0][:64])
        if client is None:
            self._page(400, "No app with this client_id is registered here.")
            return None
        if redirect_uris[0] not in client.redirect_uris:
            self._page(400, f"{client.name} did not register this redirect URI, so the "
                       "answer cannot be sent there.")
            return None
        return client

    async def _signed_in(self) -> SignedIn | None:
        token = self.get_cookie(SESSION_COOKIE)
        if not token:
            return None
        try:
            return await authenticate(self.ctx, token)
        except ServiceError:
            return None

    def _cookie_held_back(self) -> bool:
        """Did the browser leave our SameSite=Strict cookie out because another site
        started this navigation? Then the same request, started from our page, has it."""
        return (self.request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"
                and self.request.headers.get("Sec-Fetch-Mode", "").lower() == "navigate")

    def _fresh_enough(self, query: dict[str, list[str]], sign_in: claims.SignIn | None) -> bool:
        """Is the session's sign-in recent enough for `prompt=login`, `max_age` and our
        own `login_after`? (A bad max_age is Authlib's to refuse: it is left alone here.)"""
        if sign_in is None:
            return False
        signed_at = claims.epoch(sign_in.auth_time)
        prompts = (query.get("prompt") or [""])[0].split()
        login_after = (query.get(LOGIN_AFTER) or [""])[0]
        if login_after.isdigit():
            return signed_at * 1000 > int(login_after)
        if "login" in prompts:
            return False
        max_age = (query.get("max_age") or [""])[0]
        return not (max_age.isdigit() and signed_at + int(max_age) < time.time())

    def _to_login(self, query: dict[str, list[str]], *, again: bool) -> None:
        """Off to the web UI's login view, which comes back to this request."""
        back = {name: values[0] for name, values in query.items()}
        prompts = [p for p in back.pop("prompt", "").split() if p != "login"]
        if prompts:
            back["prompt"] = " ".join(prompts)
        if again or "max_age" in back:
            back.pop("max_age", None)
            # The time of this request, in milliseconds: a sign-in must come after it.
            back[LOGIN_AFTER] = str(int(time.time() * 1000))
        target = {"next": "/oauth2/authorize?" + urlencode(back)}
        if again:
            target["reauth"] = "1"
        if back.get("login_hint"):
            target["login_hint"] = back["login_hint"][:254]
        self.redirect(f"{LOGIN_VIEW}?{urlencode(target)}#login")

    async def _consented(self, client: registry.Client, request: TornadoOAuth2Request,
                         signed_in: SignedIn, person: claims.Person, grant,
                         decision: str | None) -> bool:
        """True when the code may be given; otherwise the page or redirect is sent."""
        if client.first_party:
            return True
        scope = request.scope or ""
        prompts = request.payload.data.get("prompt", "").split()
        known = await self.ctx.store.run(consent.covers, person.id, client.id, scope)
        if known and "consent" not in prompts:
            return True
        if "none" in prompts:
            error = ConsentRequiredError(redirect_uri=request.payload.redirect_uri)
            self._to_app(self.provider.handle_error_response(request, error), request)
            return False
        if decision is None:
            self._consent_page(client, request, signed_in, person)
            return False
        if not self._csrf_ok(signed_in):
            self._page(400, "This consent form has expired. Go back to the app and sign "
                       "in again.")
            return False
        if decision != "allow":
            await audit.record(self.ctx, "oauth_consent", request.caller, user=person,
                               detail=f"{client.client_id} refused")
            reply = await self.ctx.store.run(self.provider.create_authorization_response,
                                             request, None, grant)
            self._to_app(reply, request)
            return False
        await self.ctx.store.run(consent.remember, person.id, client.id, scope)
        await audit.record(self.ctx, "oauth_consent", request.caller, user=person,
                           detail=f"{client.client_id} scope={scope}")
        return True

    # --- consent form ------------------------------------------------------------------

    def _csrf(self, signed_in: SignedIn, issued: str) -> str:
        """Binds the form to this session, this exact request and its time."""
        message = f"oidc consent|{signed_in.session_id}|{self.request.query}|{issued}"
        return hmac.new(self.ctx.settings.secret_key.encode(), message.encode(),
                        hashlib.sha256).hexdigest()

    def _csrf_ok(self, signed_in: SignedIn) -> bool:
        issued = self.get_body_argument("issued", "")
        given = self.get_body_argument("csrf", "")
        if not issued.isdigit() or time.time() - int(issued) > CONSENT_FORM_SECONDS:
            return False
        return hmac.compare_digest(given, self._csrf(signed_in, issued))

    def _consent_page(self, client: registry.Client, request: TornadoOAuth2Request,
                      signed_in: SignedIn, person: claims.Person) -> None:
        issued = str(int(time.time()))
        redirect_uri = request.payload.redirect_uri
        # The answer posts here, then goes on to the app: the page may send a form to both,
        # and its Origin must be sent (same-origin check) while no Referer leaves the site.
        self.set_header("Content-Security-Policy", _consent_policy(redirect_uri))
        self.set_header("Referrer-Policy", "same-origin")
        self.finish(pages.consent(
            self.static, app=client.name, redirect_uri=redirect_uri,
            scopes=(request.scope or "").split(), username=person.username,
            action=self.request.uri or "", csrf=self._csrf(signed_in, issued),
            issued=issued))

    # --- answers -------------------------------------------------------------------------

    def _to_app(self, reply: Reply, request: TornadoOAuth2Request) -> None:
        """Back to the app, with `iss` (RFC 9207) on every answer, errors too."""
        location = reply.location
        if location is not None:
            reply.location = add_params_to_uri(location, [("iss", request.issuer)])
            if "error=" in location:
                metrics.oauth_refused(_error_of(location))
        self.send_reply(reply)

    def _page(self, status: int, message: str) -> None:
        metrics.oauth_refused("bad_authorization_request")
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.refused(self.static, message))


def _consent_policy(redirect_uri: str) -> str:
    parts = urlsplit(redirect_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'",
                                           f"form-action 'self' {origin}")


def _error_of(location: str) -> str:
    return parse_qs(urlsplit(location).query).get("error", ["error"])[0]

