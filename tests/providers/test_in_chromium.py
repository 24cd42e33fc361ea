"""End to end in Chromium, with a second authserver process as the outside provider of
the first (our own OpenID Provider, its app registered with `authserver clients create`):
a local account with TOTP links the provider from its Account view after signing in the
usual way, then signs in with the provider's button, and is still asked for its code."""

from playwright.sync_api import expect

from tests.oidc.support import register
from tests.support.server import TEST_SECRET, run_authserver
from tests.webui.conftest import browser, open_page, screenshot, verified, web_server
from tests.webui.support import expect_connected, log_in, signed_in, view
from tests.webui.test_account import account_view
from tests.webui.test_two_step import log_out, set_up_app

__all__ = ["browser", "open_page", "screenshot", "verified", "web_server"]
NAME = "home"
LABEL = "Continue with Home"


def _issuer(home) -> str:
    """The other server by the name `localhost`: cookies are kept per host, not per
    port, so at 127.0.0.1 its session cookie would replace ours in the browser."""
    return home.url.replace("127.0.0.1", "localhost")


def _add_home(web_server, home) -> None:
    app = register(home, "--first-party",
                   redirect_uri=f"{web_server.url}/api/login/provider/{NAME}/callback")
    done = run_authserver(
        {"DATABASE_URL": web_server.database_url, "SECRET_KEY": TEST_SECRET},
        "providers", "add", "--name", NAME, "--issuer", _issuer(home),
        f"--client-id={app.client_id}",  # an id may begin with "-"
        "--client-secret-stdin", "--button-label", LABEL,
        stdin=app.client_secret or "")
    assert done.returncode == 0, done.stderr


def test_link_then_sign_in_with_another_authserver_and_totp(open_page, verified, web_server,
                                                            start_server, screenshot):
    home = start_server("sqlite")
    _add_home(web_server, home)
    local_name, _ = verified("loc")
    home_name, _ = verified("hom", server=home)

    page = signed_in(open_page, local_name)
    page.watch.allow_origin(_issuer(home))
    app, _ = set_up_app(page)
    panel = view(account_view(page), "Sign in with another provider")
    panel.get_by_role("link", name=f"Link: {LABEL}").click()
    # The provider's own login view (the other authserver), then back to our Account view.
    page.wait_for_url(f"{_issuer(home)}/**")
    page.wait_for_selector("html[data-ready]")
    log_in(page, home_name)
    page.wait_for_url(f"{web_server.url}/**#account")
    panel = view(page, "Sign in with another provider")
    expect(panel.get_by_role("list", name="Linked providers")).to_contain_text(LABEL)
    screenshot(page, "providers-linked")
    log_out(page)

    view(page, "Welcome back").get_by_role("link", name=LABEL).click()
    step = view(page, "Two-step login")
    expect(step).to_be_visible()
    screenshot(page, "providers-second-step")
    step.get_by_label("Code from your app").fill(app.code_now())
    step.get_by_role("button", name="Log in").click()
    expect_connected(page)
    page.watch.allow_origin(_issuer(home))
