"""Tornado requests as Authlib sees them, and Authlib's replies as plain values.

The authorization endpoint reads its parameters from the query string only, the token,
introspection and revocation endpoints from the form body only (RFC 6749 3.1, 3.2): a
parameter in the wrong place is not silently taken.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from tornado.escape import json_decode
from tornado.httputil import HTTPServerRequest

from authserver.services.context import Caller
from authserver.services.oauth.claims import Person, SignIn
from authserver.services.oauth.device import Approved
from authserver.services.oauth.tokens import Minted


def _decoded(arguments: dict[str, list[bytes]]) -> dict[str, list[str]]:
    return {name: [value.decode("utf-8", "replace") for value in values]
            for name, values in arguments.items()}


def first_values(arguments: dict[str, list[bytes]]) -> dict[str, str]:
    """Each parameter's first value, decoded as Authlib's request reads them."""
    return {name: values[0].decode("utf-8", "replace")
            for name, values in arguments.items() if values}


Pair = tuple[str | None, str | None]


def presented_secret(basic: Pair, form: dict[str, str]) -> Pair:
    """The client id and secret a request presents: HTTP Basic (`basic`, as
    `extract_basic_authorization` reads the header), else the form's `client_id` and
    `client_secret` (RFC 6749 2.3.1)."""
    if basic[0] and basic[1]:
        return basic
    return form.get("client_id"), form.get("client_secret")


class TornadoPayload(OAuth2Payload):
    def __init__(self, arguments: dict[str, list[str]]) -> None:
        self._datalist = defaultdict(list, arguments)
        self._data = {name: values[0] for name, values in arguments.items() if values}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class TornadoOAuth2Request(OAuth2Request):
    """One OAuth request; `issuer` and, at authorize, the person and how they signed in
    travel with it (never on the shared server object: requests interleave)."""

    def __init__(self, request: HTTPServerRequest, uri: str, issuer: str, caller: Caller, *,
                 from_query: bool) -> None:
        super().__init__(method=request.method or "GET", uri=uri, headers=request.headers)
        self._query = _decoded(request.query_arguments)
        self._form = _decoded(request.body_arguments)
        self.payload = TornadoPayload(self._query if from_query else self._form)
        self.issuer = issuer
        self.caller = caller
        # Set along the way: who signed in and how (authorize), the grant a code opened,
        # the access token minted (token), a failed client authentication.
        self.sign_in: SignIn | None = None
        self.person: Person | None = None
        self.grant_id: int | None = None
        self.minted: Minted | None = None
        self.client_auth_failed = False
        # The device grant's approval, once its device code is spent (oauth/device.py).
        self.device_grant: Approved | None = None
        # Introspection: the token as read while confirming a remembered client, kept so
        # it is not read twice (oauth/server.py, a CheckedToken or None).
        self.token_was_read = False
        self.token_read: object = None

    @property
    def args(self) -> dict[str, str]:
        return {name: values[0] for name, values in self._query.items() if values}

    @property
    def form(self) -> dict[str, str]:
        return {name: values[0] for name, values in self._form.items() if values}

    def presented_secret(self) -> Pair:
        return presented_secret(extract_basic_authorization(self.headers), self.form)


class TornadoJsonPayload(JsonPayload):
    def __init__(self, body: bytes) -> None:
        self._body = body

    @property
    def data(self):
        return json_decode(self._body) if self._body else {}


class TornadoJsonRequest(JsonRequest):
    """What Authlib's JSON endpoints (dynamic registration, which we do not offer) read."""

    def __init__(self, request: HTTPServerRequest, uri: str) -> None:
        super().__init__(request.method, uri, request.headers)
        self.payload = TornadoJsonPayload(request.body)


@dataclass
class Reply:
    """What an endpoint answers: the handler writes it."""

    status: int
    body: str | dict
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def location(self) -> str | None:
        return next((value for name, value in self.headers if name == "Location"), None)

    @location.setter
    def location(self, value: str) -> None:
        self.headers = [(n, v) for n, v in self.headers if n != "Location"]
        self.headers.append(("Location", value))
