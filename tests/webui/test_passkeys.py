"""Passkeys in real Chromium with its virtual authenticator (DevTools' WebAuthn domain):
add one from the Account view, log out, log in with it and no username, remove it.

WebAuthn wants a secure context and a domain for its relying party ID, so the page is
opened at http://localhost:PORT (a secure context) rather than 127.0.0.1."""

import re
import sqlite3
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.webui.support import (
    PASSWORD,
    chat_view,
    expect_connected,
    log_in,
    post_json,
    start,
    view,
)
from tests.webui.test_account import account_view
from tests.webui.test_two_step import log_out


def forged_login_is_refused(server) -> bool:
    """A login naming a real passkey with an answer it did not sign: 401, no session."""
    with sqlite3.connect(server.database_url[len("sqlite:///"):]) as connection:
        (credential_id,), = connection.execute(
            "SELECT credential_id FROM passkey ORDER BY id DESC LIMIT 1").fetchall()
    status, started = post_json(server, "/api/login/passkey/options", {})
    assert status == 200, started
    status, reply = post_json(server, "/api/login/passkey", {
        "ceremony": started["ceremony"],
        "credential": {"id": credential_id, "rawId": credential_id, "type": "public-key",
                       "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA",
                                    "signature": "AAAA"}}})
    return status == 401 and "token" not in reply


def with_authenticator(page) -> None:
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }})


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_add_a_passkey_log_in_with_it_then_remove_it(open_page, web_server, verified,
                                                      screenshot, width):
    name, _ = verified("pk")
    page = open_page(width, server=SimpleNamespace(url=f"http://localhost:{web_server.port}"))
    with_authenticator(page)
    page.on("dialog", lambda dialog: dialog.accept())
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)

    panel = view(account_view(page), "Passkeys")
    panel.get_by_label("Name of the new passkey").fill("My laptop")
    panel.get_by_role("button", name="Add a passkey").click()
    expect(panel.get_by_label("Current password")).to_have_accessible_description(
        re.compile("current password"))
    panel.get_by_label("Current password").fill(PASSWORD)
    panel.get_by_role("button", name="Add a passkey").click()
    passkeys = panel.get_by_role("list", name="Your passkeys").get_by_role("listitem")
    expect(passkeys).to_have_count(1)
    expect(panel.get_by_role("status")).to_contain_text('Added "My laptop"')
    expect(passkeys.first).to_contain_text("My laptop")
    screenshot(page, f"{width}-light-71-passkey-added")
    assert forged_login_is_refused(web_server)
    log_out(page)

    login = view(page, "Welcome back")
    screenshot(page, f"{width}-light-72-login-with-passkey")
    login.get_by_role("button", name="Use a passkey instead").click()
    expect_connected(page)
    expect(page.get_by_role("banner")).to_contain_text(name)

    panel = view(account_view(page), "Passkeys")
    expect(passkeys).to_have_count(1)
    expect(passkeys.first).to_contain_text("last used")
    panel.get_by_role("button", name="Remove passkey").click()
    expect(passkeys).to_have_count(0)
    log_out(page)
    login.get_by_role("button", name="Use a passkey instead").click()
    expect(login.get_by_role("alert")).to_contain_text("not known here")
    expect(chat_view(page)).to_be_hidden()


def test_an_account_with_no_password_proves_itself_with_its_passkey(open_page, web_server,
                                                                   verified, unique):
    """Issue 28: an account with no password (a provider's, or passkey-only) is not asked
    for one; each change asks the browser for one of its passkeys instead."""
    name, _ = verified("pkonly")
    _, new_email = unique("pkonly-new")
    page = open_page("desktop",
                     server=SimpleNamespace(url=f"http://localhost:{web_server.port}"))
    with_authenticator(page)
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)
    panel = view(account_view(page), "Passkeys")
    panel.get_by_label("Current password").fill(PASSWORD)
    panel.get_by_role("button", name="Add a passkey").click()
    expect(panel.get_by_role("list", name="Your passkeys").get_by_role("listitem")).to_have_count(1)
    with sqlite3.connect(web_server.database_url[len("sqlite:///"):]) as connection:
        connection.execute("UPDATE \"user\" SET password_hash = '' WHERE username = ?", (name,))
    connection.close()

    page.reload()
    account = account_view(page)
    form = view(account, "Change email")
    expect(form.get_by_label("Current password")).to_be_hidden()
    expect(form.get_by_text("one of your passkeys")).to_be_visible()
    form.get_by_label("New email").fill(new_email)
    form.get_by_role("button", name="Send code").click()
    expect(form.get_by_label("Code sent to the new address")).to_be_focused()

    two_step = view(account, "Two-step login")
    enrol = page.locator("#totp-form")
    expect(enrol.get_by_label("Current password")).to_be_hidden()
    enrol.get_by_role("button", name="Set up an authenticator app").click()
    expect(two_step.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
