"""End to end in Chromium with its virtual authenticator: an account whose only second
factor is a passkey signs in with a real outside provider (oidc-provider), is asked for
its passkey on the Two-step login view, and the passkey finishes the sign-in.

WebAuthn wants a secure context, so the page is at http://localhost:PORT, and the
provider is registered with that origin's callback."""

import sqlite3
from types import SimpleNamespace

from playwright.sync_api import expect

from tests.providers.support import account, add_provider, start_provider
from tests.webui.conftest import browser, open_page, screenshot, verified, web_server
from tests.webui.support import PASSWORD, expect_connected, log_in, start, view
from tests.webui.test_account import account_view
from tests.webui.test_passkeys import with_authenticator
from tests.webui.test_two_step import log_out

__all__ = ["browser", "open_page", "screenshot", "verified", "web_server"]
NAME = "pkop"


def _link(server, username: str, issuer: str, subject: str) -> None:
    """The account's link to the provider (linking itself is tested in test_linking.py)."""
    with sqlite3.connect(server.database_url[len("sqlite:///"):]) as connection:
        connection.execute(
            "INSERT INTO provider_link (user_id, provider_id, issuer, subject, created_at) "
            "SELECT u.id, p.id, ?, ?, CURRENT_TIMESTAMP FROM \"user\" u, outside_provider p "
            "WHERE u.username = ? AND p.name = ?", (issuer, subject, username, NAME))
    connection.close()


def test_a_passkey_only_account_finishes_a_provider_sign_in_with_its_passkey(
        open_page, web_server, verified, screenshot):
    origin = f"http://localhost:{web_server.port}"
    provider = start_provider(origin, NAME)
    try:
        add_provider(web_server, provider)
        name, email = verified("pkop")
        page = open_page(server=SimpleNamespace(url=origin))
        # oidc-provider's own dev login page asks for a web font and a favicon it lacks.
        page.route("https://fonts.googleapis.com/**", lambda route: route.fulfill(
            status=200, content_type="text/css", body=""))
        page.route(f"{provider.issuer}/favicon.ico", lambda route: route.fulfill(status=204))
        with_authenticator(page)
        start(page, "#login")
        log_in(page, name)
        expect_connected(page)
        panel = view(account_view(page), "Passkeys")
        panel.get_by_label("Name of the new passkey").fill("Laptop")
        panel.get_by_role("button", name="Add a passkey").click()
        panel.get_by_label("Current password").fill(PASSWORD)
        panel.get_by_role("button", name="Add a passkey").click()
        expect(panel.get_by_role("status")).to_contain_text('Added "Laptop"')
        subject = account(provider.issuer, {"sub": f"sub-{name}", "email": email,
                                            "email_verified": True})
        _link(web_server, name, provider.issuer, subject)
        log_out(page)

        view(page, "Welcome back").get_by_role("link", name="Continue with Test OP").click()
        page.wait_for_url(f"{provider.issuer}/**")
        page.locator("input[name=login]").fill(subject)
        page.locator("input[name=password]").fill("any")
        page.locator("button[type=submit]").click()
        step = view(page, "Two-step login")
        expect(step.get_by_role("button", name="Use your passkey")).to_be_visible()
        expect(step.get_by_label("Code from your app")).to_be_hidden()
        screenshot(page, "providers-passkey-step")
        step.get_by_role("button", name="Use your passkey").click()
        expect_connected(page)
        expect(page.get_by_role("banner")).to_contain_text(name)
    finally:
        for other in (provider.issuer, "https://fonts.googleapis.com"):
            page.watch.allow_origin(other)
        provider.process.kill()
        provider.process.wait()
