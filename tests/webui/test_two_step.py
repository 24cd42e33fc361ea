"""Two-step login in real Chromium: set up an authenticator app from the Account view by
reading the key the page shows (the code is computed here, as a phone app would), log in
with its code, get in with a recovery code, and turn it off."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.twofactor.support import Authenticator
from tests.webui.support import PASSWORD, expect_connected, log_in, signed_in, view
from tests.webui.test_account import account_view


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def set_up_app(page, screenshot=None, prefix: str = "") -> tuple[Authenticator, list[str]]:
    """From the Account view: turn on two-step login; the app and the recovery codes."""
    panel = view(account_view(page), "Two-step login")
    expect(panel.get_by_role("status").first).to_contain_text("Off")
    enrol = page.locator("#totp-form")
    enrol.get_by_label("Current password").fill(PASSWORD)
    enrol.get_by_role("button", name="Set up an authenticator app").click()
    qr = panel.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("image => image.naturalWidth") > 0  # the browser could draw it
    key = panel.locator("#totp-secret").inner_text().replace(" ", "")
    app = Authenticator(key)
    code = panel.get_by_label(re.compile("Enter the 6.digit code the app shows"))
    expect(code).to_be_focused()
    if screenshot:
        screenshot(page, f"{prefix}-51-two-step-setup")
    code.fill(app.wrong_code())
    panel.get_by_role("button", name="Turn on two-step login").click()
    expect(code).to_have_accessible_description(re.compile("not right"))
    code.fill(app.code_now())
    panel.get_by_role("button", name="Turn on two-step login").click()
    codes = panel.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery_codes = codes.all_inner_texts()
    if screenshot:
        screenshot(page, f"{prefix}-52-two-step-recovery-codes")
    panel.get_by_role("button", name="I have saved them").click()
    expect(codes).to_have_count(0)
    expect(panel.get_by_role("status").first).to_contain_text("10 unused recovery codes left")
    return app, recovery_codes


def log_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(view(page, "Welcome back")).to_be_visible()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_set_up_an_app_then_log_in_with_its_code(open_page, verified, screenshot, width):
    name, _ = verified("tf")
    page = signed_in(open_page, name, width)
    app, _ = set_up_app(page, screenshot, f"{width}-light")
    if width == "desktop":
        screenshot(page, f"{width}-light-53-two-step-on")
    log_out(page)

    log_in(page, name)
    step = view(page, "Two-step login")
    expect(step).to_be_visible()
    code = step.get_by_label("Code from your app")
    expect(code).to_be_focused()
    screenshot(page, f"{width}-light-54-second-step")
    code.fill(app.wrong_code())
    step.get_by_role("button", name="Log in").click()
    expect(code).to_have_accessible_description(re.compile("4 tries left"))
    code.fill(app.code_now())
    step.get_by_role("button", name="Log in").click()
    expect_connected(page)


def test_a_recovery_code_gets_in_and_the_app_can_be_turned_off(open_page, verified,
                                                                web_server):
    name, email = verified("tr")
    page = signed_in(open_page, name)
    app, recovery_codes = set_up_app(page)
    log_out(page)

    log_in(page, name)
    step = view(page, "Two-step login")
    step.get_by_role("button", name=re.compile("Use a recovery code")).click()
    recovery = step.get_by_label("Recovery code")
    expect(recovery).to_be_focused()
    recovery.fill(recovery_codes[0])
    step.get_by_role("button", name="Log in").click()
    expect_connected(page)
    assert wait_for(lambda: any("recovery code was used" in m["Subject"]
                                for m in web_server.mailbox.messages_for(email)))

    panel = view(account_view(page), "Two-step login")
    expect(panel.get_by_role("status").first).to_contain_text("9 unused recovery codes left")
    panel.get_by_role("button", name="Turn off…").click()
    form = page.locator("#disable-form")
    expect(form.get_by_label("Current password")).to_be_focused()
    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("Code from your app").fill(app.code_now())
    form.get_by_role("button", name="Turn off two-step login").click()
    expect(panel.get_by_role("status").first).to_contain_text("Off")
    log_out(page)
    log_in(page, name)
    expect_connected(page)


def test_a_reload_on_the_second_step_starts_over(open_page, verified):
    name, _ = verified("tz")
    page = signed_in(open_page, name)
    set_up_app(page)
    log_out(page)
    log_in(page, name)
    expect(view(page, "Two-step login")).to_be_visible()
    page.reload()
    page.wait_for_selector("html[data-ready]")
    login = view(page, "Welcome back")
    expect(login).to_be_visible()
    expect(page.get_by_text("Log in with your password first")).to_be_visible()
