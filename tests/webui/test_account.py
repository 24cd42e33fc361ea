"""The account lifecycle in real Chromium against the real server: a forgotten password,
the Account view (password, address, sessions, deleting the account), and sessions
ended elsewhere reaching this browser live."""

import json
import re
from contextlib import suppress

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.webui.support import (
    NEW_PASSWORD,
    PASSWORD,
    chat_view,
    expect_connected,
    log_in,
    mailed_code,
    post_json,
    signed_in,
    start,
    view,
)


def account_view(page):
    """Open the Account view from the account corner."""
    page.get_by_role("banner").get_by_role("link", name="Account").click()
    account = view(page, "Your account")
    expect(account).to_be_visible()
    return account


def session_rows(account):
    return view(account, "Where you are logged in").get_by_role("row").filter(
        has=account.page.locator("td"))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_forgot_password_through_to_login_with_the_new_password(open_page, web_server,
                                                                verified, screenshot, width):
    name, email = verified("fp")
    page = open_page(width)
    start(page, "#login")
    view(page, "Welcome back").get_by_role("link", name="Forgot password?").click()

    forgot = view(page, "Forgot your password?")
    expect(forgot).to_be_visible()
    expect(forgot.get_by_role("heading", name="Forgot your password?")).to_be_focused()
    screenshot(page, f"{width}-light-11-forgot")
    forgot.get_by_label("Email").fill(email)
    forgot.get_by_role("button", name="Send reset code").click()

    reset = view(page, "Set a new password")
    expect(reset).to_be_visible()
    expect(page.get_by_text("If that address belongs to an account")).to_be_visible()
    expect(reset.get_by_label("Email")).to_have_value(email)
    code_input = reset.get_by_label("Reset code")
    expect(code_input).to_be_focused()
    right = mailed_code(web_server, email, "password reset code")

    code_input.fill(wrong(right))
    reset.get_by_label("New password").fill(NEW_PASSWORD)
    reset.get_by_role("button", name="Set new password").click()
    expect(code_input).to_have_accessible_description(
        re.compile(r"That code is not right.*only a few tries"))
    # The green "code sent" notice gave way to the red error.
    expect(page.get_by_text("If that address belongs to an account")).to_be_hidden()
    screenshot(page, f"{width}-light-12-reset-wrong-code")

    code_input.fill(right)
    expect(code_input).not_to_have_accessible_description(re.compile("not right"))
    reset.get_by_label("New password").fill(NEW_PASSWORD)
    reset.get_by_role("button", name="Set new password").click()

    login = view(page, "Welcome back")
    expect(login).to_be_visible()
    expect(login.get_by_label("Username or email")).to_have_value(email)
    expect(login.get_by_label("Password", exact=True)).to_be_focused()
    screenshot(page, f"{width}-light-13-login-after-reset")
    log_in(page, name, PASSWORD)
    expect(login.get_by_label("Password", exact=True)).to_have_accessible_description(
        re.compile("[Ww]rong username or password"))
    log_in(page, name, NEW_PASSWORD)
    expect_connected(page)


@pytest.mark.parametrize(("width", "scheme"), [("phone", "light"), ("desktop", "light"),
                                               ("desktop", "dark")])
def test_change_password_keeps_this_session_and_ends_the_others(open_page, verified,
                                                                screenshot, width, scheme):
    name, _ = verified("cp")
    other = signed_in(open_page, name, "desktop")
    page = signed_in(open_page, name, width, color_scheme=scheme)
    account = account_view(page)
    expect(account.get_by_text(name, exact=True)).to_be_visible()
    screenshot(page, f"{width}-{scheme}-14-account")

    form = view(account, "Change password")
    form.get_by_label("Current password").fill("not my password")
    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    current = form.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_have_accessible_description(re.compile("not your current password"))
    expect(current).to_be_focused()

    current.fill(PASSWORD)
    expect(current).not_to_have_attribute("aria-invalid", "true")
    expect(current).not_to_have_accessible_description(re.compile("not your current password"))
    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("status")).to_contain_text("password")
    expect(form.get_by_label("Current password")).to_have_value("")
    screenshot(page, f"{width}-{scheme}-15-account-password-changed")

    # The other browser was logged out live; this one stays, with one session left.
    expect(view(other, "Welcome back")).to_be_visible()
    expect(session_rows(account)).to_have_count(1)
    expect(page.get_by_role("banner")).to_contain_text(name)
    page.get_by_role("link", name="Back to chat").click()
    expect_connected(page)
    log_in(other, name, NEW_PASSWORD)
    expect_connected(other)


def test_end_another_session_logs_that_browser_out_live(open_page, verified, screenshot):
    name, _ = verified("es")
    there = signed_in(open_page, name, "phone")
    here = signed_in(open_page, name, "desktop")
    # The other browser sits on its own Account view: it is told there too.
    expect(session_rows(account_view(there))).to_have_count(2)
    screenshot(there, "phone-light-16-account-sessions")

    account = account_view(here)
    rows = session_rows(account)
    expect(rows).to_have_count(2)
    this_one = rows.filter(has_text="This browser")
    expect(this_one).to_have_count(1)
    expect(this_one.get_by_role("button")).to_have_count(0)
    screenshot(here, "desktop-light-16-account-sessions")
    other_row = rows.filter(has_not_text="This browser")
    expect(other_row).to_contain_text("127.0.0.1")
    # By keyboard: the button, then Enter; the keyboard stays in the sessions panel.
    other_row.get_by_role("button", name=re.compile("^End the session of Chrome")).focus()
    here.keyboard.press("Enter")

    expect(view(there, "Welcome back")).to_be_visible()
    expect(there.get_by_text("This session was ended from another device.")).to_be_visible()
    screenshot(there, "phone-light-17-session-ended-elsewhere")
    expect(rows).to_have_count(1)
    expect(view(account, "Where you are logged in").get_by_role("status")).to_contain_text(
        "Ended the session of Chrome")
    expect(account.get_by_role("button", name="Log out everywhere")).to_be_focused()
    assert there.request.get("/api/me").status == 401
    assert here.request.get("/api/me").status == 200

    view(account, "Where you are logged in").get_by_role(
        "button", name="Log out everywhere").click()
    expect(view(here, "Welcome back")).to_be_visible()
    expect(here.get_by_text("You are logged out everywhere.")).to_be_visible()
    assert here.request.get("/api/me").status == 401


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_change_email_with_the_code_sent_to_the_new_address(open_page, web_server, verified,
                                                            unique, screenshot, width):
    name, email = verified("ce")
    _, new_email = unique("ce-new")
    page = signed_in(open_page, name, width)
    account = account_view(page)
    form = view(account, "Change email")
    form.get_by_label("New email").fill(new_email)
    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_role("button", name="Send code").click()

    code_input = form.get_by_label("Code sent to the new address")
    expect(code_input).to_be_focused()
    expect(code_input).to_have_accessible_description(re.compile(re.escape(new_email)))
    right = mailed_code(web_server, new_email, "email change code")
    code_input.fill(wrong(right))
    form.get_by_role("button", name="Confirm new email").click()
    expect(code_input).to_have_accessible_description(re.compile("only a few tries"))
    screenshot(page, f"{width}-light-18-account-email-code")

    code_input.fill(right)
    form.get_by_role("button", name="Confirm new email").click()
    expect(form.get_by_role("status")).to_contain_text(f"Your address is now {new_email}")
    expect(view(account, "Profile").get_by_text(new_email, exact=True)).to_be_visible()
    expect(form.get_by_label("New email")).to_be_visible()
    page.reload()
    expect(view(view(page, "Your account"), "Profile").get_by_text(new_email, exact=True)
           ).to_be_visible()
    status, _ = post_json(web_server, "/api/login", {"username": email, "password": PASSWORD})
    assert status == 401
    status, _ = post_json(web_server, "/api/login", {"username": new_email, "password": PASSWORD})
    assert status == 200


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_delete_account_after_a_confirmation_naming_the_consequences(open_page, web_server,
                                                                     verified, screenshot,
                                                                     width):
    name, email = verified("da")
    other = signed_in(open_page, name, "desktop")
    page = signed_in(open_page, name, width)
    account = account_view(page)
    opener = view(account, "Delete account").get_by_role("button", name="Delete account…")

    # Escape leaves the dialog without a change, and the keyboard where it was.
    opener.click()
    dialog = page.get_by_role("dialog", name="Delete your account?")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_description(re.compile(
        rf"cannot be undone.*{name}.*every device.*chat message.*username and email address",
        re.DOTALL))
    password = dialog.get_by_label("Your password, to confirm")
    expect(password).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    opener.press("Enter")
    expect(password).to_be_focused()
    password.fill("not my password")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(password).to_have_accessible_description(re.compile("not your current password"))
    screenshot(page, f"{width}-light-19-account-delete-dialog")
    dialog.get_by_role("button", name="Keep my account").click()
    expect(dialog).to_be_hidden()
    assert page.request.get("/api/me").status == 200

    opener.click()
    expect(password).to_have_value("")
    expect(password).not_to_have_attribute("aria-invalid", "true")
    password.fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()

    expect(view(page, "Welcome back")).to_be_visible()
    expect(page.get_by_text(f"The account {name} is deleted.")).to_be_visible()
    expect(view(other, "Welcome back")).to_be_visible()
    expect(other.get_by_text("This account was deleted.")).to_be_visible()
    screenshot(page, f"{width}-light-20-account-deleted")
    status, _ = post_json(web_server, "/api/login", {"username": name, "password": PASSWORD})
    assert status == 401
    status, _ = post_json(web_server, "/api/signup",
                          {"username": name, "email": email, "password": PASSWORD})
    assert status == 201


def test_an_address_taken_at_sign_up_offers_a_password_reset(open_page, verified, unique):
    _, email = verified("tk")
    name, _ = unique("tk-new")
    page = open_page("phone")
    start(page)
    signup = view(page, "Create your account")
    signup.get_by_label("Username").fill(name)
    signup.get_by_label("Email").fill(email)
    signup.get_by_label("Password", exact=True).fill(PASSWORD)
    signup.get_by_role("button", name="Create account").click()
    address = signup.get_by_label("Email")
    expect(address).to_be_focused()
    expect(address).to_have_accessible_description(re.compile("already taken.*If it is yours"))
    signup.get_by_role("link", name="reset its password").click()
    forgot = view(page, "Forgot your password?")
    expect(forgot.get_by_label("Email")).to_have_value(email)
    expect(forgot.get_by_label("Email")).to_be_focused()


def test_a_page_notice_gives_way_to_a_later_error(open_page, unique):
    name, email = unique("gn")
    page = open_page("desktop")
    start(page)
    signup = view(page, "Create your account")
    signup.get_by_label("Username").fill(name)
    signup.get_by_label("Email").fill(email)
    signup.get_by_label("Password", exact=True).fill(PASSWORD)
    signup.get_by_role("button", name="Create account").click()
    notice = page.get_by_text("Account created.")
    expect(notice).to_be_visible()
    verify = view(page, "Check your email")
    verify.get_by_label("Verification code").fill("000")
    verify.get_by_role("button", name="Verify email").click()
    expect(verify.get_by_label("Verification code")).to_have_attribute("aria-invalid", "true")
    expect(notice).to_be_hidden()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_long_names_online_end_in_an_ellipsis_with_the_whole_name_on_hover(open_page,
                                                                           verified,
                                                                           screenshot, width):
    # Someone else with a long name is online too: on a phone the strip of names must
    # scroll within the screen, not push the page wider.
    signed_in(open_page, verified("M" * 20)[0], "desktop")
    name, _ = verified("W" * 20)
    page = signed_in(open_page, name, width)
    expect(chat_view(page).get_by_role("complementary").get_by_role("listitem")).to_have_count(2)
    entry = chat_view(page).get_by_role("complementary").get_by_role("listitem").filter(
        has_text=name)
    expect(entry).to_have_attribute("title", name)
    shown = entry.locator(".name")
    measure = """node => ({
        clipped: node.scrollWidth > node.clientWidth,
        overflow: getComputedStyle(node).textOverflow,
        fits: node.closest("aside").getBoundingClientRect().right <= window.innerWidth,
    })"""
    good = {"clipped": True, "overflow": "ellipsis", "fits": True}
    # Layout settles after the list is drawn: wait for it, then say what was seen.
    with suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"node => JSON.stringify(({measure})(node)) === "
                               f"JSON.stringify({json.dumps(good)})",
                               arg=shown.element_handle(), timeout=5_000)
    cut = shown.evaluate(measure)
    assert cut == good, cut
    expect(entry.get_by_text("(you)")).to_be_visible()
    screenshot(page, f"{width}-light-21-chat-long-name")
