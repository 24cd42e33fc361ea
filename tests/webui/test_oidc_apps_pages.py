"""The OpenID Provider's pages for a person, in real Chromium: "Connect a device"
(`/device`, RFC 8628), reached from the device's link while signed out, showing the app
and its scopes before approving; and the Account view's apps, where the app is removed."""

from playwright.sync_api import expect

from tests.oidc.support import introspect, register
from tests.oidc.test_device_flow import device_app, poll, start
from tests.webui.support import log_in, view
from tests.webui.test_account import account_view


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
