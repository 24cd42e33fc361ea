"""The web UI forgets the last person (issue 28): in real Chromium, A types into every
form of the page and leaves errors and lists behind, logs out; B logs in in the same tab
and finds no trace of A: no typed value, message, list entry, name or address."""

from playwright.sync_api import expect

from tests.webui.support import chat_view, expect_connected, log_in, signed_in, view
from tests.webui.test_account import account_view
from tests.webui.test_two_step import log_out

MARK = "traceofa"
TEXT_INPUTS = ("input:visible:not([type=checkbox]):not([type=radio]):not([type=hidden])"
               ":not([type=submit]), textarea:visible")


def fill_everything(scope) -> None:
    for number, field in enumerate(scope.locator(TEXT_INPUTS).all()):
        field.fill(f"{MARK}{number}@example.com" if field.get_attribute("type") == "email"
                   else f"{MARK} {number} long enough")


def traces(page, *needles: str) -> list[str]:
    """Where the page still holds any of `needles`: input values and text, hidden too."""
    return page.evaluate("""(needles) => {
        const found = [];
        for (const field of document.querySelectorAll("input, textarea")) {
            if (needles.some((n) => field.value.includes(n))) {
                found.push(`#${field.id}: ${field.value}`);
            }
        }
        const text = document.body.textContent;
        for (const n of needles) if (text.includes(n)) found.push(`text: ${n}`);
        for (const image of document.querySelectorAll("img[src^='data:']")) {
            found.push(`#${image.id}`);
        }
        return found;
    }""", list(needles))


def test_the_next_person_in_the_tab_finds_nothing_of_the_last(open_page, verified,
                                                             screenshot):
    a_name, a_email = verified("slatea")
    b_name, _ = verified("slateb")
    page = signed_in(open_page, a_name)
    chat_view(page).get_by_role("textbox").fill(f"{MARK} unsent chat line")

    account = account_view(page)
    expect(view(account, "Where you are logged in").get_by_role("row").nth(1)).to_be_visible()
    fill_everything(account)
    for form_id in ("password-form", "email-form", "totp-form"):
        page.locator(f"#{form_id} [type=submit]").click()
        expect(page.locator(f"#{form_id} .error:visible").first).to_be_visible()
    account.get_by_role("button", name="Delete account…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Your password, to confirm").fill(f"{MARK} in the dialog")
    dialog.get_by_role("button", name="Keep my account").click()
    screenshot(page, "desktop-light-81-as-a-before-logout")
    log_out(page)

    log_in(page, b_name)
    expect_connected(page)
    assert traces(page, MARK, a_name, a_email) == []
    account = account_view(page)
    expect(view(account, "Where you are logged in").get_by_role("row").nth(1)).to_be_visible()
    assert traces(page, MARK, a_name, a_email) == []
    expect(page.locator(".error:visible")).to_have_count(0)
    screenshot(page, "desktop-light-82-as-b-after-a")
