"""The web UI's session cookie (set by login; cleared by logout, by logging out everywhere
and by deleting the account) and the device cookie (set by every login, see
security/devices.py).

HttpOnly keeps the tokens out of scripts' reach, SameSite=Strict keeps other sites from
sending them, Secure follows HTTPS (directly or through a trusted proxy).
"""

from tornado.web import RequestHandler

from authserver.security import devices
from authserver.settings import Settings
from authserver.web.client import SESSION_COOKIE, scheme


def set_session_cookie(handler: RequestHandler, reply, settings: Settings) -> None:
    secure = scheme(handler.request, settings.trusted_proxies) == "https"
    handler.set_cookie(
        SESSION_COOKIE,
        reply.token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure,
        max_age=int(settings.session_ttl_hours * 3600),
    )
    handler.set_cookie(
        devices.DEVICE_COOKIE,
        devices.issue(settings.secret_key, reply.user.id),
        path="/api/",
        httponly=True,
        samesite="Strict",
        secure=secure,
        max_age=devices.DEVICE_COOKIE_DAYS * 86400,
    )


def set_session_cookie_once_approved(handler: RequestHandler, reply,
                                     settings: Settings) -> None:
    """A wait for approval signs in only when it ends approved."""
    if reply.approved:
        set_session_cookie(handler, reply, settings)


def clear_session_cookie(handler: RequestHandler, reply, settings: Settings) -> None:
    handler.clear_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")


COOKIE_EFFECTS = {
    "login": set_session_cookie,
    "login_second_factor": set_session_cookie,
    "passkey_login": set_session_cookie,
    "login_approval_wait": set_session_cookie_once_approved,
    "logout": clear_session_cookie,
    "logout_all": clear_session_cookie,
    "delete_account": clear_session_cookie,
}
SIGN_IN_CALLS = frozenset(
    name for name, effect in COOKIE_EFFECTS.items()
    if effect in (set_session_cookie, set_session_cookie_once_approved)
)
"""The calls that set the session cookie: refused when a browser says another site asks."""
