"""Authlib's authorization server on Tornado, with its models on our services.

Authlib brings the protocol (parameter checks, client authentication, RFC error shapes);
what it leaves loose is tightened here: PKCE is required for every client and only S256
is taken; refresh tokens rotate on each use and a replay revokes the family; a code used
twice revokes what it gave. Its grant code is synchronous and calls `query_client`,
`save_token` and the like synchronously: every endpoint call runs inside
`ctx.store.run(...)`, so those calls are plain peewee queries on the store's greenlet
bridge and the event loop never waits on I/O. Several requests interleave there, so
nothing about one request is kept on this shared object: it travels on the request.
"""

import logging

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
)
from authlib.oauth2.rfc6749 import grants as rfc6749
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.util import create_half_hash

from authserver.oauth.requests import Reply, TornadoJsonRequest, TornadoOAuth2Request
from authserver.observability import metrics
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.oauth import claims, grants, tokens
from authserver.services.oauth import clients as registry
from authserver.services.oauth.keys import ID_TOKEN_SECONDS

log = logging.getLogger(__name__)

SCOPES_SUPPORTED = list(registry.SCOPES)
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_METHODS = [*SECRET_METHODS, "none"]
REMEMBERED_CLIENTS = 1_000


class AppClient(ClientMixin):
    """A registered client as Authlib asks about it."""

    def __init__(self, record: registry.Client) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the request must name one of the registered URIs (OIDC Core 3.1.2.1)

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = self.record.scopes
        return " ".join(s for s in dict.fromkeys((scope or "").split()) if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris  # character for character

    def check_client_secret(self, client_secret: str) -> bool:
        return self.record.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.record.public:
            return method == "none"
        return method in SECRET_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.record.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.record.grant_types


class IssuedCode:
    """A spent code, as Authlib's code grant and OpenID extension read it."""

    def __init__(self, found: grants.CodeGrant) -> None:
        self.found = found
        self.code_challenge = found.code_challenge
        self.code_challenge_method = "S256"

    def get_redirect_uri(self) -> str:
        return self.found.redirect_uri

    def get_scope(self) -> str:
        return self.found.scope

    def get_nonce(self) -> str | None:
        return self.found.nonce

    def get_auth_time(self) -> int | None:
        auth_time = self.found.auth_time
        return int(claims.epoch(auth_time)) if auth_time else None

    def get_amr(self) -> list[str]:
        return (self.found.amr or "").split()

    def get_acr(self) -> None:
        return None


class HeldRefreshToken:
    """A spent refresh token, as Authlib's refresh grant reads it."""

    def __init__(self, found: grants.RefreshGrant) -> None:
        self.found = found

    def check_client(self, client: AppClient) -> bool:
        return True  # found by this client's id only

    def get_scope(self) -> str:
        return self.found.scope


class CheckedToken:
    """A token presented to introspection or revocation."""

    def __init__(self, state: grants.TokenState, kind: str, issuer: str) -> None:
        self.state, self.kind, self.issuer = state, kind, issuer

    def check_client(self, client: AppClient) -> bool:
        return self.state.client_id == client.get_client_id()

    def is_expired(self) -> bool:
        return False  # folded into `active`

    def is_revoked(self) -> bool:
        return not self.state.active

    def confirms(self, record: registry.Client) -> bool:
        """Is `record` (remembered by this process) its client's row as read with the
        token just now? The fields that decide a secret's authentication, and the time
        of the row's last change, which every update and rotation sets."""
        state = self.state
        return (state.client_pk == record.id and state.client_secret_hash == record.secret_hash
                and state.client_public == record.public
                and state.client_updated_at == record.updated_at)


def _caller(request) -> Caller:
    return request.caller


class _Minting:
    """Token issue shared by the grants: ours, since the issuer and the grant travel on
    the request (Authlib's server-wide generator sees neither)."""

    request: TornadoOAuth2Request
    server: "OpenIDProvider"
    GRANT_TYPE: str

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):
        return self.server.mint(self.request, user, scope or "", include_refresh_token)


class S256Challenge(CodeChallenge):
    """PKCE for every client, S256 only: `plain` and a missing challenge are refused
    (Authlib takes both unless told otherwise)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with "
                                      "code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is accepted.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeFlow(_Minting, rfc6749.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    AUTHORIZATION_CODE_LENGTH = 43

    def save_authorization_code(self, code, request: TornadoOAuth2Request):
        sign_in, person = request.sign_in, request.person
        assert sign_in is not None and person is not None  # set by the handler
        request.grant_id = grants.open_grant(
            client_pk=request.client.record.id, user_id=person.id,
            session_id=sign_in.session_id, scope=request.scope or "",
            nonce=request.payload.data.get("nonce"), auth_time=sign_in.auth_time,
            amr=" ".join(sign_in.amr), code_hash=grants.digest(code),
            redirect_uri=request.payload.redirect_uri,
            code_challenge=request.payload.data["code_challenge"])
        audit.write("oauth_authorized", _caller(request), user=person,
                    detail=f"{request.client.get_client_id()} scope={request.scope}")

    def query_authorization_code(self, code, client: AppClient):
        found = grants.take_code(grants.digest(code), client.record.id)
        if isinstance(found, grants.Reused):
            self.server.reuse_detected(self.request, found, client)
            return None
        return IssuedCode(found) if found is not None else None

    def delete_authorization_code(self, authorization_code):
        """Nothing to do: the code was spent (marked used) when it was looked up, so a
        concurrent second use cannot pass, and a later one is recognised as a reuse."""

    def authenticate_user(self, authorization_code: IssuedCode):
        return claims.person(authorization_code.found.user_id)


class OpenIDTokens(OpenIDCode):
    """The ID token of the code flow, signed by our key, with `sid` and `amr`."""

    def exists_nonce(self, nonce, request) -> bool:
        # Nonce replay is the relying party's check (it compares the ID token's nonce
        # with the one it sent); codes are one-use here already.
        return False

    def process_token(self, grant, response):
        _, token, _ = response
        if "openid" in (token.get("scope") or "").split():
            token["id_token"] = grant.server.id_token(token, grant.request)
        return token


class RefreshFlow(_Minting, rfc6749.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        found = grants.take_refresh(refresh_token, self.request.client.record.id)
        if isinstance(found, grants.Reused):
            self.server.reuse_detected(self.request, found, self.request.client)
            return None
        return HeldRefreshToken(found) if found is not None else None

    def authenticate_user(self, refresh_token: HeldRefreshToken):
        return refresh_token.found.person  # read with the token, in the same query

    def revoke_old_credential(self, refresh_token):
        """Nothing to do: the old token was spent (rotated) when it was looked up."""


class ClientCredentialsFlow(_Minting, rfc6749.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS


def _query_token(request, token: str) -> "CheckedToken | None":
    if token.count(".") == 2:  # a JWT: one of our access tokens, if it verifies
        checked = tokens.verify_access_token(token, issuer=request.issuer)
        state = grants.access_state(checked["jti"]) if checked else None
        return CheckedToken(state, "access_token", request.issuer) if state else None
    state = grants.refresh_state(token)
    return CheckedToken(state, "refresh_token", request.issuer) if state else None


class Introspection(IntrospectionEndpoint):
    """RFC 7662, for confidential clients about their own tokens only. The request is
    passed along by hand: Authlib's `query_token` is not given it, and this endpoint
    object is shared by requests that interleave.

    The client is usually authenticated without a query of its own: against the copy
    this process remembers (`OpenIDProvider.remembered_client`), confirmed by the
    client's row as the token's query reads it, in the same statement. A secret
    rotated, a client updated or deleted by any process (the operator's command
    included) shows there at once, and the request then takes Authlib's path, which
    reads the client afresh: there is no window in which a stale copy is believed."""

    CLIENT_AUTH_METHODS = SECRET_METHODS

    def authenticate_endpoint_client(self, request):
        remembered = self.server.remembered_client(*request.presented_secret())
        if remembered is not None:
            self.check_params(request, remembered)
            token = _query_token(request, request.form["token"])
            request.token_was_read, request.token_read = True, token
            if token is not None and token.confirms(remembered.record):
                request.client = remembered
                return remembered
        return super().authenticate_endpoint_client(request)

    def authenticate_token(self, request, client: AppClient):
        self.check_params(request, client)
        if request.token_was_read:  # read when confirming the remembered client, just now
            token = request.token_read
        else:
            token = _query_token(request, request.form["token"])
        if token is not None and token.check_client(client):
            return token
        return None

    def introspect_token(self, token: "CheckedToken") -> dict:
        return introspection_reply(token)


def introspection_reply(token: CheckedToken) -> dict:
    """RFC 7662 2.2: what an active token's introspection says."""
    state = token.state
    reply = {"active": True, "client_id": state.client_id, "scope": state.scope,
             "token_type": token.kind, "iss": token.issuer,
             "iat": int(claims.epoch(state.issued_at)),
             "exp": int(claims.epoch(state.expires_at)),
             "sub": state.sub or state.client_id}
    if state.username:
        reply["username"] = state.username
    return reply


class Revocation(RevocationEndpoint):
    """RFC 7009: revoking either token revokes its grant, and so every token of it."""

    CLIENT_AUTH_METHODS = ALL_METHODS

    def authenticate_token(self, request, client: AppClient):
        self.check_params(request, client)
        token = _query_token(request, request.form["token"])
        if token is not None and not token.check_client(client):
            raise InvalidGrantError("The token was not issued to this client.")
        return token

    def revoke_token(self, token: "CheckedToken", request):
        if grants.revoke(token.state.grant_id, "revoked_by_client"):
            audit.write("oauth_token_revoked", _caller(request),
                        detail=f"{token.state.client_id} grant={token.state.grant_id}")


class OpenIDProvider(AuthorizationServer):
    """The Tornado integration: Authlib's server with requests and replies mapped."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(scopes_supported=SCOPES_SUPPORTED)
        self.ctx = ctx
        # client_id -> the client as query_client last read it (see Introspection).
        self._clients: dict[str, registry.Client] = {}
        self.register_grant(CodeFlow, [S256Challenge(required=True), OpenIDTokens()])
        self.register_grant(RefreshFlow)
        self.register_grant(ClientCredentialsFlow)
        self.register_endpoint(Introspection)
        self.register_endpoint(Revocation)

    # --- Authlib's integration points -------------------------------------------------

    def query_client(self, client_id):
        record = registry.find(client_id) if client_id else None
        if record is None:
            self._clients.pop(client_id, None)
            return None
        if len(self._clients) >= REMEMBERED_CLIENTS:
            self._clients.clear()
        self._clients[client_id] = record
        return AppClient(record)

    def remembered_client(self, client_id: str | None, secret: str | None) -> AppClient | None:
        """The client presenting this id and secret as last read by this process, if the
        secret matches that copy; whether the copy is still the row is for the caller to
        confirm (Introspection)."""
        if not (client_id and secret):
            return None
        record = self._clients.get(client_id)
        if record is None or record.public or not record.check_secret(secret):
            return None
        return AppClient(record)

    def save_token(self, token, request: TornadoOAuth2Request):
        minted = request.minted
        assert minted is not None  # mint() ran for this request
        client: AppClient = request.client
        grant_type = request.payload.grant_type
        if grant_type == "authorization_code":
            grant_id = request.authorization_code.found.grant_id
        elif grant_type == "refresh_token":
            grant_id = request.refresh_token.found.grant_id
        elif request.device_grant is not None:
            grant_id = request.device_grant.grant_id
        else:
            grant_id = grants.client_grant(client.record.id, token.get("scope", ""))
        grants.record_tokens(
            grant_id=grant_id, jti=minted.jti, refresh_token=token.get("refresh_token"),
            scope=token.get("scope", ""), access_seconds=token["expires_in"],
            refresh_seconds=self._refresh_seconds(client))
        metrics.oauth_issued(grant_type)
        event = "oauth_refreshed" if grant_type == "refresh_token" else "oauth_tokens_issued"
        audit.write(event, _caller(request), user=request.user,
                    detail=f"{client.get_client_id()} {grant_type} grant={grant_id}")

    def create_oauth2_request(self, request) -> TornadoOAuth2Request:
        return request  # the handler builds it (it knows the issuer and the caller)

    def create_json_request(self, request) -> TornadoJsonRequest:
        return TornadoJsonRequest(request, request.full_url())

    def handle_response(self, status, body, headers) -> Reply:
        return Reply(status, body, list(headers))

    def handle_error_response(self, request, error: OAuth2Error) -> Reply:
        metrics.oauth_refused(error.error or "error")
        if error.error == "invalid_client":
            self._client_auth_failed(request, error)
        return super().handle_error_response(request, error)

    def send_signal(self, name, *args, **kwargs) -> None:
        log.debug("oauth signal %s", name)

    # --- our additions ------------------------------------------------------------------

    def _access_seconds(self, client: AppClient) -> int:
        return client.record.access_token_seconds or self.ctx.settings.oidc_access_token_seconds

    def _refresh_seconds(self, client: AppClient) -> float:
        return (client.record.refresh_token_seconds
                or self.ctx.settings.oidc_refresh_token_days * 86400)

    def mint(self, request: TornadoOAuth2Request, user: claims.Person | None, scope: str,
             include_refresh_token: bool) -> dict:
        """The token reply: an RFC 9068 access token, and a refresh token when the
        client may use one (the ID token is added by OpenIDTokens)."""
        client: AppClient = request.client
        seconds = self._access_seconds(client)
        auth_time = None
        if request.authorization_code is not None:
            auth_time = request.authorization_code.get_auth_time()
        minted = tokens.access_token(
            self.ctx.settings.secret_key, issuer=request.issuer,
            client_id=client.get_client_id(),
            subject=user.sub if user is not None else client.get_client_id(),
            scope=scope, seconds=seconds, auth_time=auth_time)
        request.minted = minted
        reply = {"token_type": "Bearer", "access_token": minted.token,
                 "expires_in": seconds, "scope": scope}
        if include_refresh_token and user is not None and client.check_grant_type(
                "refresh_token"):
            reply["refresh_token"] = tokens.new_refresh_token()
        return reply

    def id_token(self, token: dict, request: TornadoOAuth2Request) -> str:
        client: AppClient = request.client
        code: IssuedCode = request.authorization_code
        person: claims.Person = request.user
        body = claims.for_scope(person, token["scope"])
        body["auth_time"] = code.get_auth_time()
        body["amr"] = code.get_amr()
        if code.found.session_id is not None:
            body["sid"] = claims.session_sid(self.ctx.settings.secret_key,
                                             code.found.session_id)
        if code.get_nonce():
            body["nonce"] = code.get_nonce()
        at_hash = create_half_hash(token["access_token"], "RS256")
        if at_hash is not None:
            body["at_hash"] = at_hash.decode()
        seconds = client.record.id_token_seconds or ID_TOKEN_SECONDS
        return tokens.id_token(self.ctx.settings.secret_key, issuer=request.issuer,
                               client_id=client.get_client_id(), claims=body,
                               seconds=seconds)

    def reuse_detected(self, request, reused: grants.Reused, client: AppClient) -> None:
        """A code or refresh token came back: its grant is revoked (done by the grants
        service); say so in the audit log and the metrics."""
        event = "oauth_code_reused" if reused.what == "code" else "oauth_refresh_reused"
        person = claims.person(reused.user_id) if reused.user_id is not None else None
        metrics.oauth_refused(event.removeprefix("oauth_"))
        audit.write(event, _caller(request), user=person,
                    detail=f"{client.get_client_id()} grant={reused.grant_id} revoked")

    def _client_auth_failed(self, request: TornadoOAuth2Request, error: OAuth2Error) -> None:
        request.client_auth_failed = True
        audit.write("oauth_client_auth_failure", _caller(request),
                    detail=(error.description or "")[:120])
