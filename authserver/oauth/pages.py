"""The few pages the OpenID Provider shows a person itself, in the web UI's look (its
stylesheet and markup): a refused authorization request, the consent question, and the
hop that lets a SameSite=Strict session cookie through after another site's redirect.

Everything that comes from the request or the client registration is escaped.
"""

from urllib.parse import urlsplit

from tornado.escape import xhtml_escape as esc

from authserver.services.oauth.consent import PLAIN_WORDS


def _page(static: str, title: str, body: str, *, extra_head: str = "") -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>{esc(title)} · authserver</title>
  <link rel="icon" href="{static}/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="{static}/app.css">{extra_head}
</head>
<body>
  <header class="topbar">
    <a class="brand" href="/">
      <img src="{static}/favicon.svg" alt="" width="24" height="24">
      <span>authserver</span>
    </a>
  </header>
  <main id="main">
    <section class="view card" aria-labelledby="page-title">
{body}
    </section>
  </main>
</body>
</html>
"""


def refused(static: str, message: str) -> str:
    """A request that cannot go back to the app safely (unknown app, unregistered
    redirect URI): said here, never by redirecting."""
    body = f"""      <h1 id="page-title">This sign-in link does not work</h1>
      <p class="lead">{esc(message)}</p>
      <p class="form-error" role="alert">Nothing was shared with the app. Go back to it and
        try again, or tell its owner.</p>
      <p class="aside"><a href="/">Go to your account</a></p>"""
    return _page(static, "Sign-in refused", body)


def consent(static: str, *, app: str, redirect_uri: str, scopes: list[str], username: str,
            action: str, csrf: str, issued: str) -> str:
    """Does the person let this app have these scopes? (The form posts back to the
    authorization request's own URL.)"""
    host = urlsplit(redirect_uri).netloc
    items = "\n".join(
        f"        <li>{esc(PLAIN_WORDS.get(scope, scope))}</li>" for scope in scopes)
    body = f"""      <h1 id="page-title">Let {esc(app)} use your account?</h1>
      <p class="lead">Signed in as <strong>{esc(username)}</strong>. The app at
        <strong>{esc(host)}</strong> asks to:</p>
      <ul class="consent-scopes">
{items}
      </ul>
      <form method="post" action="{esc(action)}">
        <input type="hidden" name="csrf" value="{esc(csrf)}">
        <input type="hidden" name="issued" value="{esc(issued)}">
        <div class="actions">
          <button class="button button-quiet" name="decision" value="deny"
            type="submit">Cancel</button>
          <button class="button button-primary" name="decision" value="allow"
            type="submit" autofocus>Allow</button>
        </div>
      </form>
      <p class="aside">You can remove its access later from your account.</p>"""
    return _page(static, f"Allow {app}", body)


def hop(static: str, url: str) -> str:
    """Reload `url` from our own page. The session cookie is SameSite=Strict, so a
    browser leaves it out of a navigation that another site started; the same request
    started from here carries it."""
    body = """      <h1 id="page-title">Signing you in…</h1>
      <p class="lead">One moment.</p>"""
    head = f'\n  <meta http-equiv="refresh" content="0;url={esc(url)}">'
    return _page(static, "Signing in", body, extra_head=head)


def signed_out(static: str, app: str) -> str:
    body = f"""      <h1 id="page-title">You are signed out</h1>
      <p class="lead">You signed out of {esc(app)} and of this site.</p>
      <p class="aside"><a href="/">Sign in again</a></p>"""
    return _page(static, "Signed out", body)


def provider_refused(static: str, message: str) -> str:
    """A sign-in with an outside provider that did not go through: why, and the way back."""
    body = f"""      <h1 id="page-title">That sign-in did not go through</h1>
      <p class="form-error" role="alert">{esc(message)}</p>
      <p class="aside"><a href="/#login">Back to the login page</a></p>"""
    return _page(static, "Sign-in refused", body)
