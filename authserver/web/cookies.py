"""The web UI's session cookie: set by login, cleared by logout (everywhere) and by
deleting the account.

HttpOnly keeps the token out of scripts' reach, SameSite=Strict keeps other sites from
sending it, Secure follows HTTPS.
"""

from tornado.web import RequestHandler

from authserver.settings import Settings
from authserver.web.client import SESSION_COOKIE


def set_session_cookie(handler: RequestHandler, reply, settings: Settings) -> None:
    handler.set_cookie(
        SESSION_COOKIE,
        reply.token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=handler.request.protocol == "https",
        max_age=int(settings.session_ttl_hours * 3600),
    )


def clear_session_cookie(handler: RequestHandler, reply, settings: Settings) -> None:
    handler.clear_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")


COOKIE_EFFECTS = {
    "login": set_session_cookie,
    "login_second_factor": set_session_cookie,
    "passkey_login": set_session_cookie,
    "logout": clear_session_cookie,
    "logout_all": clear_session_cookie,
    "delete_account": clear_session_cookie,
}
