"""The device authorization grant's edge (RFC 8628): the device authorization endpoint
(`/oauth2/device`, limited per address and client like the token endpoint) and the
token endpoint's device-code grant, Authlib's `DeviceCodeGrant` with our state kept in
`services/oauth/device.py`. The person's side is the service table's
`/api/device/lookup` and `/api/device/approve`, the web UI's `/device` page and
`authcli device CODE`."""

from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc8628 import (
    AuthorizationPendingError,
    DeviceCodeGrant,
    ExpiredTokenError,
    SlowDownError,
)

from authserver.oauth.base import OAuthHandler
from authserver.oauth.endpoints import _LimitedEndpoint
from authserver.oauth.requests import Reply
from authserver.oauth.server import ALL_METHODS, AppClient, _Minting
from authserver.services.oauth import claims, device

VERIFICATION_PATH = "/device"


# How `authserver clients create --grant` names the grant.
REGISTERED_NAME = "device_code"


class DeviceCredential:
    """A device code presented by its client, as Authlib's grant reads it."""

    def __init__(self, device_code: str, client: AppClient) -> None:
        self.device_code, self.client = device_code, client
        self.scope = ""

    def get_client_id(self) -> str:
        return self.client.get_client_id()

    def get_scope(self) -> str:
        return self.scope


class DeviceFlow(_Minting, DeviceCodeGrant):
    """Polling, settled by one conditional read-and-update per poll (device.poll)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    def validate_device_credential(self, credential: DeviceCredential):
        found = device.poll(credential.device_code, credential.client.record.id)
        if found is None:
            raise InvalidGrantError("The device code is not valid, or was used already.")
        if found == device.EXPIRED:
            raise ExpiredTokenError()
        if isinstance(found, device.Pending):
            raise SlowDownError() if found.slow_down else AuthorizationPendingError()
        assert isinstance(found, device.Approved)
        self.request.device_grant = found
        credential.scope = found.scope
        return claims.person(found.user_id)

    def validate_token_request(self):
        """Authlib's steps, but the client is authenticated before its device code is
        read (codes are looked up per client), and the grant has its registered name."""
        device_code = self.request.payload.data.get("device_code")
        if not device_code:
            raise InvalidRequestError("Send the device_code.")
        client = self.authenticate_token_endpoint_client()
        if REGISTERED_NAME not in client.record.grant_types:
            raise UnauthorizedClientError("This client may not use the device grant.")
        self.request.client = client
        credential = DeviceCredential(device_code, client)
        self.request.user = self.validate_device_credential(credential)
        self.request.credential = credential


class DeviceAuthorizationHandler(_LimitedEndpoint):
    """`POST /oauth2/device` (section 3.1): a client allowed the device grant gets a
    device code, a user code and where the person enters it."""

    def respond(self, request) -> Reply:
        try:
            client: AppClient = self.provider.authenticate_client(
                request, ALL_METHODS, "device_authorization")
            if REGISTERED_NAME not in client.record.grant_types:
                raise UnauthorizedClientError("This client may not use the device grant.")
        except OAuth2Error as error:
            return self.provider.handle_error_response(request, error)
        scope = client.get_allowed_scope(request.form.get("scope") or "openid")
        started = device.start(client.record.id, scope)
        verify = request.issuer + VERIFICATION_PATH
        return Reply(200, {
            "device_code": started.device_code, "user_code": started.user_code,
            "verification_uri": verify,
            "verification_uri_complete": f"{verify}?user_code={started.user_code}",
            "expires_in": started.expires_in, "interval": started.interval,
        }, [])


class DeviceVerificationHandler(OAuthHandler):
    """`/device` (the `verification_uri`): the web UI's "Connect a device" view, which
    signs the person in first if need be, with the code of a `verification_uri_complete`
    kept (checked there by the service table, so only its letters travel on)."""

    def get(self) -> None:
        code = device.normalized(self.get_query_argument("user_code", "")[:20])
        shown = device.shown(code) if code else ""
        self.redirect(f"/?{urlencode({'user_code': shown})}#device")
