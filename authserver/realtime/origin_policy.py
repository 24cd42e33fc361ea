"""Who may open a socket here, and when a socket's handshake may sign it in by cookie.

Engine.IO's Tornado handler accepts a WebSocket upgrade from any Origin unless given an
explicit list, and the server's own origin depends on the Host each request names. So
every request (WebSocket upgrade or long-polling) is checked against this policy first:
no Origin (a non-browser client), our own origin, or one from ALLOWED_ORIGINS. The
cookie signs a socket in only when the handshake itself came from our own pages
(`cookie_may_sign_in`).
"""

from http.cookies import CookieError, SimpleCookie

from authserver.web.client import SESSION_COOKIE


def origin_allowed(origin: str | None, host: str, allowed: tuple[str, ...]) -> bool:
    if origin is None:
        return True
    return origin in allowed or origin in (f"http://{host}", f"https://{host}")


def session_cookie(environ: dict) -> str | None:
    """The session cookie of a request, given as Engine.IO's environ."""
    try:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


def cookie_may_sign_in(environ: dict) -> bool:
    """Did this handshake come from one of our own pages, so its cookie may sign it in?

    A browser names the page's origin in `Origin` (always on a WebSocket handshake) or,
    on a same-origin GET that carries no Origin, says `Sec-Fetch-Site: same-origin`. A
    same-site page elsewhere (another port, a sibling subdomain) gets the cookie sent
    along but neither of these.
    """
    host = environ.get("HTTP_HOST", "")
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        return origin in (f"http://{host}", f"https://{host}")
    return environ.get("HTTP_SEC_FETCH_SITE") == "same-origin"
