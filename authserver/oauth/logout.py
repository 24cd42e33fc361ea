"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the end-session
endpoint: an app sends the person here with the ID token it holds (`id_token_hint`) and,
optionally, one of its registered `post_logout_redirect_uri`s. The authserver session
that signed them in ends (and with it every grant it authorized that is not offline);
an unregistered redirect is refused with a page, never followed."""

from authlib.common.urls import add_params_to_uri

from authserver.errors import ServiceError
from authserver.oauth import pages
from authserver.oauth.base import OAuthHandler
from authserver.services import audit
from authserver.services.oauth import claims, tokens
from authserver.services.oauth import clients as registry
from authserver.services.sessions.lifecycle import authenticate, end_session
from authserver.web.client import SESSION_COOKIE


class LogoutHandler(OAuthHandler):
    async def get(self) -> None:
        with self.application.settings["in_flight"].track():
            query = self.request.query_arguments
            await self._logout({name: self.get_query_argument(name) for name in query})

    async def post(self) -> None:
        with self.application.settings["in_flight"].track():
            form = self.request.body_arguments
            await self._logout({name: self.get_body_argument(name) for name in form})

    async def _logout(self, params: dict[str, str]) -> None:
        hint = params.get("id_token_hint")
        if not hint:
            self._page(400, "An app's logout request must carry the ID token it was given "
                       "(id_token_hint).")
            return
        said = await self.ctx.store.run(tokens.read_id_token_hint, hint, issuer=self.issuer)
        audience = said.get("aud") if said else None
        client_id = audience[0] if isinstance(audience, list) and audience else audience
        client = await self.ctx.store.run(registry.find, client_id) if client_id else None
        if said is None or client is None:
            self._page(400, "This logout request's ID token was not issued here.")
            return
        target = params.get("post_logout_redirect_uri")
        if target and target not in client.post_logout_redirect_uris:
            self._page(400, f"{client.name} did not register this address to return to "
                       "after logout.")
            return
        if not await self._end_session(said, client):
            return
        if target:
            state = params.get("state")
            self.redirect(add_params_to_uri(target, [("state", state)]) if state else target)
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.signed_out(self.static, client.name))

    async def _end_session(self, said: dict, client: registry.Client) -> bool:
        """End this browser's session if it is the one the ID token names; False when the
        answer was already sent (the hop that brings the SameSite cookie along)."""
        token = self.get_cookie(SESSION_COOKIE)
        if not token:
            if (self.request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"
                    and self.request.method == "GET"):
                self.finish(pages.hop(self.static, self.request.uri or "/"))
                return False
            return True
        try:
            signed_in = await authenticate(self.ctx, token)
        except ServiceError:
            return True
        sid = claims.session_sid(self.ctx.settings.secret_key, signed_in.session_id)
        if said.get("sid") != sid:
            return True  # another session's token: this browser's session is not the app's
        if await end_session(self.ctx, signed_in.session_id, f"You logged out of {client.name}."):
            await audit.record(self.ctx, "oauth_logout", self.caller(), user=signed_in.user,
                               detail=client.client_id)
        self.clear_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
        return True

    def _page(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.refused(self.static, message))
