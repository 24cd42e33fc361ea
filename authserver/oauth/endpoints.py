"""The standard endpoints that answer JSON: discovery (OIDC Discovery, RFC 8414), the
JWKS, token, introspection, revocation and userinfo, each in its RFC's shape."""

from authlib.oauth2.rfc6749.util import extract_basic_authorization

from authserver.errors import ServiceError
from authserver.oauth.base import OAuthHandler
from authserver.oauth.requests import Pair, Reply, first_values, presented_secret
from authserver.oauth.server import CheckedToken, Introspection, introspection_reply
from authserver.observability import metrics
from authserver.services import throttling
from authserver.services.context import Caller
from authserver.services.oauth import claims, grants, keys, tokens

PATHS = {
    "authorization_endpoint": "/oauth2/authorize",
    "token_endpoint": "/oauth2/token",
    "userinfo_endpoint": "/oauth2/userinfo",
    "jwks_uri": "/oauth2/jwks",
    "introspection_endpoint": "/oauth2/introspect",
    "revocation_endpoint": "/oauth2/revoke",
    "end_session_endpoint": "/oauth2/logout",
    "device_authorization_endpoint": "/oauth2/device",
}
CLAIMS = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "at_hash",
          "preferred_username", "email", "email_verified"]
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]


def metadata(issuer: str) -> dict:
    """The provider's metadata: every endpoint, and what it takes (only what it takes)."""
    return {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token",
                                  "client_credentials",
                                  "urn:ietf:params:oauth:grant-type:device_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        "token_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "introspection_endpoint_auth_methods_supported": SECRET_METHODS,
        "revocation_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS,
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }


class DiscoveryHandler(OAuthHandler):
    """`/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Cache-Control", "public, max-age=300")
        self.set_header("Access-Control-Allow-Origin", "*")

    def get(self) -> None:
        self.send_json(200, metadata(self.issuer))


class JwksHandler(OAuthHandler):
    """The published keys. Cached for at most half the publish delay (and five minutes),
    so a rotated-in key is in every cache before it signs."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Access-Control-Allow-Origin", "*")

    async def get(self) -> None:
        key_set = await self.ctx.store.run(keys.published)
        seconds = int(min(300, self.ctx.settings.oidc_key_publish_seconds / 2))
        self.set_header("Cache-Control", f"public, max-age={seconds}")
        self.send_reply(Reply(200, dict(key_set.as_dict(private=False)),
                              [("Content-Type", "application/jwk-set+json")]))


class _LimitedEndpoint(OAuthHandler):
    """Token, introspection and revocation: form bodies, limited per address and per
    client; a wrong client secret counts against its address."""

    endpoint = ""

    async def _admit(self, caller: Caller, form: dict[str, str], basic: Pair) -> bool:
        if not self.ctx.limiter.enabled:
            return True
        client_id = (basic[0] or form.get("client_id") or "")[:64]
        try:
            await throttling.check(self.ctx, caller, "oauth_client_auth_ip", caller.client,
                                   "Too many wrong client credentials from your address.")
            await throttling.hit(self.ctx, caller, "oauth_endpoint_ip", caller.client,
                                 "Too many requests from your address.")
            if client_id:
                await throttling.hit(self.ctx, caller, "oauth_endpoint_client", client_id,
                                     "Too many requests for this client.")
        except ServiceError as error:
            metrics.oauth_refused("rate_limited")
            headers = {"Retry-After": str(error.retry_after or 60)}
            self.send_json(429, {"error": "invalid_request",
                                 "error_description": error.message}, **headers)
            return False
        return True

    async def post(self) -> None:
        if "application/x-www-form-urlencoded" not in self.request.headers.get(
                "Content-Type", ""):
            self.send_json(400, {"error": "invalid_request",
                                 "error_description": "Send a form body "
                                 "(application/x-www-form-urlencoded)."})
            return
        with self.application.settings["in_flight"].track():
            caller = self.caller()
            form = first_values(self.request.body_arguments)
            basic = extract_basic_authorization(self.request.headers)
            if not await self._admit(caller, form, basic):
                return
            reply = await self.quick(form, basic)
            if reply is None:
                request = self.oauth_request(from_query=False, caller=caller)
                reply = await self.ctx.store.run(self.respond, request)
                if request.client_auth_failed:
                    await self.ctx.limiter.count("oauth_client_auth_ip", caller.client)
            self.send_reply(reply)

    async def quick(self, form: dict[str, str], basic: Pair) -> Reply | None:
        """The answer without Authlib's path (and without building its request), when it
        can be given that way for sure; None to take that path (`respond`). `basic` is
        the request's HTTP Basic client id and secret, read once."""
        return None

    def respond(self, request) -> Reply:
        raise NotImplementedError


class _BrowserReachable(_LimitedEndpoint):
    """Open to scripts of any origin: a public app in a browser (PKCE, no secret) must
    read the answer. No cookie is involved, so no origin gains anything by it."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Access-Control-Allow-Origin", "*")

    def options(self) -> None:
        self.set_header("Access-Control-Allow-Methods", "POST")
        self.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
        self.set_header("Access-Control-Max-Age", "600")
        self.set_status(204)


class TokenHandler(_BrowserReachable):
    def respond(self, request) -> Reply:
        return self.provider.create_token_response(request)


class IntrospectionHandler(_LimitedEndpoint):
    async def quick(self, form: dict[str, str], basic: Pair) -> Reply | None:
        """The usual introspection, an app asking about its access token, in one read
        and no other work: the client as this process remembers it, with its secret
        matched against that copy; the token's claims as this process verified them;
        and one query, run without the greenlet bridge, for the token's state with its
        grant's liveness and its client's row. The answer is given only if that row
        confirms the remembered client (`CheckedToken.confirms`) and the token is
        active: anything else (an unknown client or token, a wrong secret, a rotated
        secret, an inactive token, a key copy due a re-read) takes Authlib's path,
        which reads everything afresh and answers or refuses as before."""
        token, hint = form.get("token"), form.get("token_type_hint")
        if not token or (hint and hint not in Introspection.SUPPORTED_TOKEN_TYPES):
            return None
        client = self.provider.remembered_client(*presented_secret(basic, form))
        issuer = self.issuer
        checked = (tokens.remembered_access_token(token, issuer=issuer)
                   if client is not None else None)
        if client is None or checked is None:
            return None
        read = grants.access_read(checked["jti"])
        state = grants.state_of(read, await self.ctx.store.fetch_row(read.sql, read.params))
        if state is None or not state.active:
            return None
        found = CheckedToken(state, "access_token", issuer)
        if not found.confirms(client.record):
            return None
        # JSON, no-store and no-cache, as Authlib's reply: the defaults of these handlers.
        return Reply(200, introspection_reply(found))

    def respond(self, request) -> Reply:
        return self.provider.create_endpoint_response("introspection", request)


class RevocationHandler(_BrowserReachable):
    def respond(self, request) -> Reply:
        return self.provider.create_endpoint_response("revocation", request)


def _userinfo(token: str, issuer: str) -> dict | None:
    """The claims for a live access token's person, by the token's scope (one query: the
    token's state carries its person)."""
    checked = tokens.verify_access_token(token, issuer=issuer)
    state = grants.access_state(checked["jti"]) if checked else None
    if state is None or not state.active or state.person is None:
        return None
    return {"scope": state.scope, "claims": claims.for_scope(state.person, state.scope)}


class UserInfoHandler(OAuthHandler):
    """OIDC Core 5.3: the same claims as the ID token, for a live access token with the
    `openid` scope (RFC 6750 errors otherwise)."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Access-Control-Allow-Origin", "*")

    def _refuse(self, status: int, error: str, description: str) -> None:
        metrics.oauth_refused(error)
        challenge = f'Bearer error="{error}", error_description="{description}"'
        self.send_json(status, {"error": error, "error_description": description},
                       **{"WWW-Authenticate": challenge})

    async def _answer(self) -> None:
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self.set_header("WWW-Authenticate", 'Bearer realm="userinfo"')
            self.send_json(401, {"error": "invalid_token",
                                 "error_description": "Send the access token as Bearer."})
            return
        found = await self.ctx.store.run(_userinfo, token.strip(), self.issuer)
        if found is None:
            self._refuse(401, "invalid_token", "The access token is not valid or has ended.")
        elif "openid" not in found["scope"].split():
            self._refuse(403, "insufficient_scope", "The token lacks the openid scope.")
        else:
            self.send_json(200, found["claims"])

    async def get(self) -> None:
        with self.application.settings["in_flight"].track():
            await self._answer()

    async def post(self) -> None:
        with self.application.settings["in_flight"].track():
            await self._answer()

    def options(self) -> None:
        self.set_header("Access-Control-Allow-Headers", "Authorization")
        self.set_status(204)

