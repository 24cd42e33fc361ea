"""In Chromium: an account made through a provider (a second authserver) has no
password, passkey or app; its Account view offers "Confirm with <provider>" where the
password field would be, the provider asks it to sign in again, and the change it then
makes (a new address) is proved by that."""

from playwright.sync_api import expect

from tests.providers.test_in_chromium import LABEL, _add_home, _issuer
from tests.webui.conftest import browser, open_page, screenshot, verified, web_server
from tests.webui.support import expect_connected, log_in, start, view
from tests.webui.test_account import account_view

__all__ = ["browser", "open_page", "screenshot", "verified", "web_server"]


def _sign_in_at_home(page, home, name: str) -> None:
    page.wait_for_url(f"{_issuer(home)}/**")
    page.wait_for_selector("html[data-ready]")
    log_in(page, name)


def test_confirm_with_the_provider_where_the_password_would_be(
        open_page, verified, web_server, start_server, unique, screenshot):
    home = start_server("sqlite")
    _add_home(web_server, home)
    home_name, _ = verified("pxy", server=home)
    _, new_email = unique("pxy-new")
    page = open_page()
    start(page, "#login")
    view(page, "Welcome back").get_by_role("link", name=LABEL).click()
    _sign_in_at_home(page, home, home_name)
    expect_connected(page)

    form = view(account_view(page), "Change email")
    expect(form.get_by_label("Current password")).to_be_hidden()
    confirm = form.get_by_role("link", name=f"Confirm with {LABEL}")
    expect(confirm).to_be_visible()
    screenshot(page, "providers-confirm-with")
    confirm.click()
    _sign_in_at_home(page, home, home_name)  # prompt=login: asked again
    page.wait_for_url(f"{web_server.url}/**#account")

    form = view(view(page, "Your account"), "Change email")
    form.get_by_label("New email").fill(new_email)
    form.get_by_role("button", name="Send code").click()
    expect(form.get_by_label("Code sent to the new address")).to_be_focused()
    page.watch.allow_origin(_issuer(home))
