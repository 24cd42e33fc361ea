"""The OpenID Provider's pages for a person, in real Chromium: "Connect a device"
(`/device`, RFC 8628), reached from the device's link while signed out, showing the app
and its scopes before approving; and the Account view's apps, where the app is removed."""

from playwright.sync_api import expect

from tests.oidc.support import introspect, register
from tests.oidc.test_device_flow import device_app, poll, start
from tests.webui.support import log_in, signed_in, view
from tests.webui.test_account import account_view
from tests.webui.test_admin_page import make_admin, open_admin


def test_a_device_is_approved_then_removed_in_the_web_ui(open_page, web_server, verified,
                                                         screenshot):
    name, _ = verified("dev")
    app = device_app(web_server)
    asked = start(web_server, app).json()

    page = open_page()
    page.goto(asked["verification_uri_complete"])
    page.wait_for_selector("html[data-ready]")
    log_in(page, name)
    device = view(page, "Connect a device")
    expect(device).to_be_visible()
    expect(device.get_by_label("Code on the device")).to_have_value(asked["user_code"])
    device.get_by_role("button", name="Look up").click()
    expect(device).to_contain_text("asks to sign in as you")
    expect(device).to_contain_text("who you are, your username")
    screenshot(page, "device-approve")
    assert poll(web_server, app, asked["device_code"]).status_code == 400  # not yet
    device.get_by_role("button", name="Approve").click()
    expect(device.get_by_role("status").first).to_contain_text("You can go back to your device")
    got = poll(web_server, app, asked["device_code"])
    assert got.status_code == 200, got.text
    token = got.json()

    account = account_view(page)
    apps = view(account, "Apps signed in with this account")
    row = apps.get_by_role("row").filter(has_text="who you are, your username")
    expect(row).to_have_count(1)
    screenshot(page, "account-apps")
    apps.get_by_role("button", name="Remove the access").click()
    expect(apps.get_by_role("status")).to_contain_text("no longer has access")
    expect(apps).to_contain_text("No app holds access to your account.")
    assert introspect(web_server, app, token["access_token"])["active"] is False


def test_the_device_page_without_a_code_asks_for_one(open_page, web_server, verified):
    name, _ = verified("dev")
    register(web_server, "--first-party")
    page = open_page()
    page.goto("/device")
    page.wait_for_selector("html[data-ready]")
    log_in(page, name)
    device = view(page, "Connect a device")
    device.get_by_label("Code on the device").fill("BCDF-GHJK")
    device.get_by_role("button", name="Look up").click()
    expect(device).to_contain_text("No device is waiting with that code")
    expect(device.get_by_role("button", name="Approve")).to_be_hidden()


def test_an_admin_registers_rotates_and_removes_an_app(open_page, web_server, verified,
                                                       screenshot):
    name, _ = verified("boss")
    make_admin(web_server, name)
    page = signed_in(open_page, name)
    admin = open_admin(page)
    apps = view(admin, "Apps")
    form = apps.locator("#client-form")
    form.get_by_label("Name").fill("Team wiki")
    form.get_by_label("Redirect URIs (one a line)").fill("https://wiki.example/callback")
    form.get_by_role("button", name="Register").click()
    expect(form.get_by_role("status")).to_contain_text("Team wiki is registered")
    secret = apps.locator("#admin-client-secret")
    expect(secret).to_contain_text("shown this once")
    first = secret.locator("code").inner_text()
    row = apps.get_by_role("row").filter(has_text="Team wiki")
    expect(row).to_contain_text("confidential")
    screenshot(page, "admin-apps")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="New secret for Team wiki").click()
    expect(secret.locator("code")).not_to_have_text(first)

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove Team wiki").click()
    expect(apps.locator("#admin-clients-status")).to_contain_text("is removed")
    expect(apps.get_by_role("row").filter(has_text="Team wiki")).to_have_count(0)

    form.get_by_label("Name").fill("No URIs")
    form.get_by_role("button", name="Register").click()
    expect(form.locator(".error:not([hidden])")).to_contain_text("redirect URI")
    expect(apps.get_by_role("row").filter(has_text="No URIs")).to_have_count(0)
