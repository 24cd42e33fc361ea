"""The OpenID Provider's edge: Authlib's authorization server on Tornado and the standard
endpoints in their RFCs' shapes (not the service table). It reaches data only through
`authserver.services.oauth` (import-linter holds it to that)."""

from authserver.oauth.authorize import AuthorizeHandler
from authserver.oauth.device import (
    DeviceAuthorizationHandler,
    DeviceFlow,
    DeviceVerificationHandler,
)
from authserver.oauth.endpoints import (
    DiscoveryHandler,
    IntrospectionHandler,
    JwksHandler,
    RevocationHandler,
    TokenHandler,
    UserInfoHandler,
)
from authserver.oauth.logout import LogoutHandler
from authserver.oauth.server import OpenIDProvider
from authserver.services.context import Context


def routes(ctx: Context, static: str) -> list[tuple]:
    """The provider's routes; `static` is the web UI's asset prefix (its stylesheet)."""
    provider = OpenIDProvider(ctx)
    provider.register_grant(DeviceFlow)
    options = {"ctx": ctx, "provider": provider, "static": static}
    return [
        (r"/\.well-known/openid-configuration", DiscoveryHandler, options),
        (r"/\.well-known/oauth-authorization-server", DiscoveryHandler, options),
        (r"/oauth2/authorize", AuthorizeHandler, options),
        (r"/oauth2/token", TokenHandler, options),
        (r"/oauth2/userinfo", UserInfoHandler, options),
        (r"/oauth2/jwks", JwksHandler, options),
        (r"/oauth2/introspect", IntrospectionHandler, options),
        (r"/oauth2/revoke", RevocationHandler, options),
        (r"/oauth2/logout", LogoutHandler, options),
        (r"/oauth2/device", DeviceAuthorizationHandler, options),
        (r"/device", DeviceVerificationHandler, options),
    ]
