"""Our side of the authorization code flow with an outside provider (OIDC Core 3.1):
the request (PKCE S256, `state`, `nonce`), the code exchanged at its token endpoint (with
aiohttp), and the ID token verified: signature with the provider's JWKS, `iss`, `aud`
(and `azp` when there are several audiences), `exp`, `iat` and our `nonce`.

What the browser must carry from the start to the callback (state, nonce, the PKCE
verifier, where to go next, the session asking to link) travels sealed in a short-lived
cookie (`FlowState`): nothing to store server-side, nothing a browser can read or forge,
and a callback that did not start in this browser has no cookie to match.
"""

import json
import secrets
from dataclasses import asdict, dataclass
from urllib.parse import quote_plus

import aiohttp
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.fernet import InvalidToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from authserver.errors import ServiceError, invalid
from authserver.security.secretbox import SecretBox
from authserver.services.providers.discovery import (
    FETCH_TIMEOUT,
    Discovery,
    ProviderUnavailable,
)
from authserver.services.providers.registry import Provider
from authserver.settings import Settings
from contracts import Status

FLOW_SECONDS = 600
FLOW_LABEL = b"authserver outside provider flow v1"
CLOCK_SKEW = 60
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                      "ES384", "ES512", "EdDSA"]


@dataclass(frozen=True)
class FlowState:
    """One sign-in with a provider, from its start to its callback."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next: str  # a path on this site to go to afterwards
    link_user: int | None = None  # set when a signed-in person links this provider
    link_session: int | None = None
    # set when a signed-in person proves it is them by signing in again (reauth.py)
    proof_user: int | None = None
    proof_session: int | None = None


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from a verified ID token."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    preferred_username: str | None
    amr: tuple[str, ...]
    auth_time: int | None = None  # when the provider last signed the person in


def _box(secret_key: str) -> SecretBox:
    return SecretBox(secret_key, label=FLOW_LABEL)


def seal(secret_key: str, flow: FlowState) -> str:
    return _box(secret_key).seal(json.dumps(asdict(flow)))


def unseal(secret_key: str, sealed: str | None) -> FlowState:
    """The flow this browser started within FLOW_SECONDS, or a refusal."""
    if not sealed:
        raise invalid("This sign-in did not start in this browser, or it took too long. "
                      "Start again from the login page.")
    try:
        # The sealed timestamp bounds the age: the cookie's max-age is only a hint.
        plain = _box(secret_key).open(sealed, max_age=FLOW_SECONDS)
        return FlowState(**json.loads(plain))
    except (InvalidToken, ValueError, TypeError):
        raise invalid("This sign-in expired or its cookie is not ours. "
                      "Start again from the login page.") from None


def new_flow(provider: Provider, next_path: str, link_user: int | None = None,
             link_session: int | None = None, *, proof_user: int | None = None,
             proof_session: int | None = None) -> FlowState:
    return FlowState(provider=provider.name, state=secrets.token_urlsafe(24),
                     nonce=secrets.token_urlsafe(24), verifier=generate_token(64),
                     next=next_path, link_user=link_user, link_session=link_session,
                     proof_user=proof_user, proof_session=proof_session)


async def authorization_url(discovery: Discovery, provider: Provider, flow: FlowState,
                            redirect_uri: str) -> str:
    published = await discovery.published(provider.issuer)
    return add_params_to_uri(published.document["authorization_endpoint"], [
        ("response_type", "code"), ("client_id", provider.client_id),
        ("redirect_uri", redirect_uri), ("scope", " ".join(provider.scopes)),
        ("state", flow.state), ("nonce", flow.nonce),
        ("code_challenge", create_s256_code_challenge(flow.verifier)),
        ("code_challenge_method", "S256"),
        # A proof asks the provider to sign the person in again, now (OIDC Core 3.1.2.1).
        *([("prompt", "login"), ("max_age", "0")] if flow.proof_user is not None else []),
    ])


def check_answer(flow: FlowState, query: dict[str, str], issuer: str) -> str:
    """The code from the provider's answer, once its `state` matches ours (and its RFC
    9207 `iss`, when it sends one, is the provider's); the provider's refusal otherwise."""
    if not secrets.compare_digest(query.get("state", ""), flow.state):
        raise invalid("This answer's state does not match the sign-in this browser started.")
    if "iss" in query and query["iss"] != issuer:
        raise invalid("This answer comes from another issuer than the provider's.")
    if "error" in query:
        raise ServiceError(Status.PERMISSION_DENIED,
                           f"The provider refused: {query['error'][:100]}.")
    code = query.get("code")
    if not code:
        raise invalid("The provider's answer carries no code.")
    return code


async def exchange(discovery: Discovery, provider: Provider, settings: Settings,
                   flow: FlowState, code: str, redirect_uri: str) -> Identity:
    """Trade the code for tokens (client_secret_basic, or _post when that is all the
    provider takes) and verify the ID token."""
    published = await discovery.published(provider.issuer)
    document = published.document
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": flow.verifier}
    secret = provider.secret(settings.secret_key, settings.secret_key_previous)
    methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    auth = None
    if "client_secret_basic" in methods:
        auth = aiohttp.BasicAuth(_form_encoded(provider.client_id), _form_encoded(secret))
    else:
        form.update(client_id=provider.client_id, client_secret=secret)
    try:
        async with aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as session, \
                session.post(document["token_endpoint"], data=form, auth=auth,
                             headers={"Accept": "application/json"}) as reply:
            body = await reply.json(content_type=None)
            status = reply.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise ProviderUnavailable(
            f"The provider's token endpoint could not be reached ({type(error).__name__}).",
        ) from None
    if status != 200 or not isinstance(body, dict) or "id_token" not in body:
        said = body.get("error") if isinstance(body, dict) else None
        raise ServiceError(Status.PERMISSION_DENIED,
                           f"The provider would not exchange the code ({said or status}): "
                           "it may have been used already. Start again.")
    return await verify_id_token(discovery, provider, flow, str(body["id_token"]))


def _form_encoded(value: str) -> str:
    # RFC 6749 2.3.1: the client id and secret are form-encoded before Basic auth.
    return quote_plus(value)


async def verify_id_token(discovery: Discovery, provider: Provider, flow: FlowState,
                          id_token: str) -> Identity:
    published = await discovery.published(provider.issuer)
    try:
        token = _decode(published.keys, id_token)
    except (JoseError, ValueError) as first:
        # A key we do not hold yet: the provider may have rotated (refetched, rate-limited).
        if "kid" not in str(first).lower() and "key" not in str(first).lower():
            raise _refused(first) from None
        published = await discovery.refresh_keys(provider.issuer)
        try:
            token = _decode(published.keys, id_token)
        except (JoseError, ValueError) as error:
            raise _refused(error) from None
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=CLOCK_SKEW,
        iss={"essential": True, "value": provider.issuer},
        sub={"essential": True},
        aud={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": flow.nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise _refused(error) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if provider.client_id not in audiences:
        raise _refused("the ID token is for another audience")
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise _refused("the ID token has several audiences and its azp is not ours")
    amr = claims.get("amr")
    auth_time = claims.get("auth_time")
    return Identity(
        issuer=provider.issuer, subject=str(claims["sub"]),
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        email_verified=claims.get("email_verified") is True,
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        preferred_username=(claims.get("preferred_username")
                            if isinstance(claims.get("preferred_username"), str) else None),
        amr=tuple(str(item) for item in amr) if isinstance(amr, list) else (),
        auth_time=(int(auth_time) if isinstance(auth_time, int | float)
                   and not isinstance(auth_time, bool) else None),
    )


def _decode(keys: dict, id_token: str) -> jwt.Token:
    return jwt.decode(id_token, KeySet.import_key_set(keys),  # type: ignore[arg-type]
                      algorithms=SIGNING_ALGORITHMS)


def _refused(reason: object) -> ServiceError:
    return ServiceError(Status.PERMISSION_DENIED,
                        f"The provider's ID token was refused: {reason}.")

