"""Approval from a signed-in device in real Chromium: a signed-in tab turns approval on,
then approves a second browser's login by picking the number that browser shows; a wrong
number stops a third browser's login and offers to secure the account."""

import re

import pytest
from playwright.sync_api import expect

from tests.webui.support import (
    PASSWORD,
    chat_view,
    expect_connected,
    log_in,
    signed_in,
    start,
    view,
)
from tests.webui.test_account import account_view


def turn_on_approval(page, screenshot, prefix: str) -> None:
    panel = view(account_view(page), "Approve new sign-ins")
    expect(panel.get_by_role("status").first).to_contain_text("Off")
    panel.get_by_label("Current password").fill("not my password")
    panel.get_by_role("button", name="Turn on approval").click()
    expect(panel.get_by_label("Current password")).to_have_accessible_description(
        re.compile("not your current password"))
    panel.get_by_label("Current password").fill(PASSWORD)
    panel.get_by_role("button", name="Turn on approval").click()
    expect(panel.get_by_role("status").first).to_contain_text("On:")
    expect(panel.get_by_role("button", name="Turn off approval")).to_be_visible()
    panel.scroll_into_view_if_needed()
    screenshot(page, f"{prefix}-61-approval-on")


def new_device_waits(open_page, name: str, width: str):
    """Another browser logs in with the password; it shows the number to pick."""
    device = open_page(width)
    start(device, "#login")
    log_in(device, name)
    step = view(device, "Two-step login")
    expect(step.get_by_role("status").first).to_contain_text("Waiting for your approval")
    number = step.get_by_label("The number to pick").inner_text()
    assert re.fullmatch(r"\d\d", number), number
    expect(step.locator("#second-factor-form")).to_be_hidden()  # approval is its only factor
    return device, number


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_signed_in_tab_approves_another_browsers_login(open_page, verified, screenshot,
                                                         width):
    name, _ = verified("ap")
    trusted = signed_in(open_page, name, width)
    prefix = f"{width}-light"
    turn_on_approval(trusted, screenshot, prefix)

    device, number = new_device_waits(open_page, name, width)
    screenshot(device, f"{prefix}-62-approval-new-device-waits")
    prompt = trusted.get_by_role("alertdialog", name="Is this you signing in?")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("logged in with your password")
    choices = prompt.get_by_role("group", name="Numbers").get_by_role("button")
    expect(choices).to_have_count(3)
    assert number in choices.all_inner_texts()
    screenshot(trusted, f"{prefix}-63-approval-prompt")
    prompt.get_by_role("button", name=number, exact=True).click()
    expect(prompt.get_by_role("status")).to_have_text("You approved the sign-in.")
    expect_connected(device)  # the new browser is in
    prompt.get_by_role("button", name="Close").click()
    expect(prompt).to_be_hidden()


def test_a_wrong_number_stops_the_login_and_offers_to_secure_the_account(
        open_page, verified, screenshot):
    name, _ = verified("aw")
    trusted = signed_in(open_page, name)
    turn_on_approval(trusted, screenshot, "desktop-light-wrong")
    device, number = new_device_waits(open_page, name, "desktop")
    prompt = trusted.get_by_role("alertdialog", name="Is this you signing in?")
    wrong = next(text for text in prompt.get_by_role("group", name="Numbers")
                 .get_by_role("button").all_inner_texts() if text != number)
    prompt.get_by_role("button", name=wrong, exact=True).click()
    expect(prompt.get_by_role("status")).to_contain_text("not the number shown")
    secure = prompt.get_by_role("button", name="End all sessions and change my password")
    expect(secure).to_be_focused()
    screenshot(trusted, "desktop-light-64-approval-wrong-number")
    # The new browser is sent back to log in, told why.
    expect(view(device, "Welcome back")).to_be_visible()
    expect(device.get_by_role("status").first).to_contain_text("wrong number")
    screenshot(device, "desktop-light-65-approval-refused-device")
    secure.click()
    expect(trusted.get_by_label("Current password").first).to_be_focused()
    expect(view(trusted, "Change password")).to_be_visible()


def test_a_tab_signed_in_by_approval_is_told_in_the_prompt_not_in_the_chat(
        open_page, verified, screenshot):
    """A sign-in made by approval cannot approve the next one: the prompt says so, and
    the chat's message box is left alone (it is no chat message that failed)."""
    name, _ = verified("af")
    trusted = signed_in(open_page, name)
    turn_on_approval(trusted, screenshot, "desktop-light-fresh")
    approved, number = new_device_waits(open_page, name, "desktop")
    prompt = trusted.get_by_role("alertdialog", name="Is this you signing in?")
    prompt.get_by_role("button", name=number, exact=True).click()
    expect_connected(approved)
    prompt.get_by_role("button", name="Close").click()

    _, number = new_device_waits(open_page, name, "desktop")
    asked = approved.get_by_role("alertdialog", name="Is this you signing in?")
    asked.get_by_role("button", name=number, exact=True).click()
    expect(asked.get_by_role("status")).to_contain_text("itself signed in by approval")
    screenshot(approved, "desktop-light-66-approval-fresh-session-refused")
    composer = chat_view(approved).get_by_role("textbox", name="Message")
    expect(composer).not_to_have_attribute("aria-invalid", "true")
    expect(approved.locator("#composer-error")).to_be_hidden()
