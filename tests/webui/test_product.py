"""The product settings and the admin's new acts in real Chromium: CHAT=off leaves no Chat
view and lands on Account (a session ended elsewhere still reaches the page), APP_NAME in
the title and the recovery codes' file, the admin page's role, passkey and address acts
(the admin's password asked again; never one's own role), passkey naming and renaming,
and a screenshot of every view at 375 and 1280 px."""

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.twofactor.support import Authenticator
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
from tests.webui.test_admin_page import make_admin, open_admin
from tests.webui.test_two_step import set_up_app


def _sql(server, statement: str, *args) -> list[tuple]:
    with sqlite3.connect(server.database_url[len("sqlite:///"):]) as connection:
        found = connection.execute(statement, args).fetchall()
    connection.close()
    return found


def add_passkey(server, username: str, name: str) -> None:
    """A passkey row (renaming and removing need no authenticator; adding is tested with
    Chromium's virtual one in test_passkeys)."""
    _sql(server, "INSERT INTO passkey (user_id, credential_id, public_key, sign_count, name, "
         "created_at) SELECT id, ?, 'key', 0, ?, CURRENT_TIMESTAMP FROM \"user\" WHERE "
         "username = ?", uuid.uuid4().hex, name, username)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_without_chat_the_page_lands_on_account_and_still_hears_sessions_end(
        open_page, start_server, verified, screenshot, width):
    server = start_server(CHAT="off", PRESENCE="off")
    name, _ = verified("nochat", server=server)
    make_admin(server, name)
    page = open_page(width, server=server)
    start(page, "#login")
    expect(view(page, "Welcome back")).to_contain_text("Log in to your account.")
    log_in(page, name)
    expect(view(page, "Your account")).to_be_visible()
    assert page.url.endswith("#account")
    expect(page.locator("#view-chat")).to_be_hidden()
    expect(page.get_by_role("link", name=re.compile("chat", re.I))).to_have_count(0)
    screenshot(page, f"{width}-light-81-account-without-chat")
    page.goto(f"{server.url}/#chat")
    expect(view(page, "Your account")).to_be_visible()
    # Nobody's `who` is answered here: the Admin page shows no count (it showed "0").
    admin = open_admin(page)
    expect(admin.get_by_role("button", name="Search")).to_be_visible()
    expect(admin.locator(".online-now")).to_be_hidden()
    account_view(page)
    # The live connection still carries what sign-in needs: a session ended elsewhere.
    status, reply = post_json(server, "/api/login", {"username": name, "password": PASSWORD})
    assert status == 200, reply
    ended = page.request.post(f"{server.url}/api/logout-all",
                              headers={"Authorization": f"Bearer {reply['token']}"})
    assert ended.status == 200
    expect(view(page, "Welcome back")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("ended|logged out"))


def test_app_name_titles_the_page_and_names_the_recovery_codes_file(
        open_page, start_server, verified, screenshot):
    server = start_server(APP_NAME="Acme Cloud")
    name, _ = verified("acme", server=server)
    page = open_page("desktop", server=server)
    start(page, "#login")
    expect(page).to_have_title("Log in · Acme Cloud")
    expect(page.get_by_role("banner")).to_contain_text("Acme Cloud")
    log_in(page, name)
    expect_connected(page)
    expect(page).to_have_title("Chat · Acme Cloud")
    panel = view(account_view(page), "Two-step login")
    page.locator("#totp-form").get_by_label("Current password").fill(PASSWORD)
    page.locator("#totp-form").get_by_role("button", name="Set up an authenticator app").click()
    expect(panel.locator("#totp-secret")).not_to_be_empty()
    key = panel.locator("#totp-secret").inner_text().replace(" ", "")
    panel.get_by_label(re.compile("Enter the 6.digit code")).fill(Authenticator(key).code_now())
    panel.get_by_role("button", name="Turn on two-step login").click()
    codes = panel.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    with page.expect_download() as download:
        panel.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "acme-cloud-recovery-codes.txt"
    text = Path(download.value.path()).read_text()
    assert f"Recovery codes for {name} at Acme Cloud" in text
    assert all(code in text for code in codes.all_inner_texts())
    expect(panel.get_by_role("status").filter(has_text="Downloaded")).to_be_visible()
    screenshot(page, "desktop-light-82-recovery-codes-download")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_admin_page_changes_roles_removes_passkeys_and_unverifies(
        open_page, web_server, verified, screenshot, width):
    admin_name, _ = verified("chief")
    target_name, _ = verified("helper")
    make_admin(web_server, admin_name)
    add_passkey(web_server, target_name, "Red key")
    add_passkey(web_server, target_name, "Phone")
    page = open_page(width)
    start(page, "#login")
    log_in(page, admin_name)
    expect_connected(page)
    # At 375 px as at 1280 px the bar says whose session this is.
    expect(page.get_by_role("banner").get_by_text(admin_name)).to_be_visible()
    screenshot(page, f"{width}-light-83-admin-header")
    admin = open_admin(page)

    # One's own role is not offered.
    admin.get_by_role("search").get_by_label("Search by username or address").fill(admin_name)
    admin.get_by_role("search").get_by_role("button", name="Search").click()
    admin.get_by_role("button", name=f"Open {admin_name}").click()
    mine = view(admin, admin_name)
    expect(mine.get_by_role("button", name="End sessions")).to_be_visible()
    expect(mine.get_by_role("button", name="Revoke admin…")).to_have_count(0)

    admin.get_by_role("search").get_by_label("Search by username or address").fill(target_name)
    admin.get_by_role("search").get_by_role("button", name="Search").click()
    admin.get_by_role("button", name=f"Open {target_name}").click()
    detail = view(admin, target_name)
    keys = detail.get_by_role("list", name="Their passkeys").get_by_role("listitem")
    expect(keys).to_have_count(2)

    detail.get_by_role("button", name="Make admin…").click()
    dialog = page.get_by_role("dialog")
    password = dialog.get_by_label("Your password")
    expect(password).to_be_focused()
    password.fill("not my password")
    dialog.get_by_role("button", name="Make admin").click()
    expect(password).to_have_accessible_description(re.compile("not your current password"))
    screenshot(page, f"{width}-light-84-admin-role-password")
    password.fill(PASSWORD)
    dialog.get_by_role("button", name="Make admin").click()
    expect(dialog).to_be_hidden()
    expect(detail.get_by_role("status")).to_contain_text("is now an admin")
    assert _sql(web_server, 'SELECT role FROM "user" WHERE username = ?', target_name) == [
        ("admin",)]

    detail.get_by_role("button", name="Revoke admin…").click()
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Revoke admin").click()
    expect(detail.get_by_role("status")).to_contain_text("no longer an admin")

    detail.get_by_role("button", name="Remove the passkey Red key").click()
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Remove", exact=True).click()
    expect(keys).to_have_count(1)
    expect(detail.get_by_role("status")).to_contain_text("passkey is removed")

    detail.get_by_role("button", name="Mark unverified").click()
    dialog.get_by_role("button", name="Mark unverified").click()
    expect(detail).to_contain_text("Not verified")

    detail.get_by_role("button", name="Reset two-step login").click()
    dialog.get_by_label("Remove their passkeys too").check()
    # a reset is one of the acts that carry the admin's own password (AdminActRequest)
    dialog.get_by_label("Your password").fill(PASSWORD)
    screenshot(page, f"{width}-light-85-admin-reset-with-passkeys")
    dialog.get_by_role("button", name="Reset two-step login").click()
    expect(keys).to_have_count(1)
    expect(keys).to_have_text("None.")
    screenshot(page, f"{width}-light-86-admin-user-after")

    events = [event for (event,) in _sql(
        web_server, 'SELECT event FROM audit_event WHERE user_id = (SELECT id FROM "user" '
        "WHERE username = ?) AND event LIKE 'admin%' ORDER BY id", target_name)]
    assert events == ["admin_grant_admin", "admin_revoke_admin", "admin_remove_passkey",
                      "admin_unverify_user", "admin_reset_second_factors"]


def test_a_passkey_is_renamed_from_the_account_view(open_page, web_server, verified,
                                                   screenshot):
    name, _ = verified("renamer")
    add_passkey(web_server, name, "Passkey")
    page = open_page("desktop")
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)
    panel = view(account_view(page), "Passkeys")
    keys = panel.get_by_role("list", name="Your passkeys").get_by_role("listitem")
    expect(keys).to_have_count(1)
    panel.get_by_role("button", name="Rename passkey Passkey").click()
    field = panel.get_by_label("New name for passkey Passkey")
    expect(field).to_be_focused()
    field.fill("Work laptop")
    screenshot(page, "desktop-light-87-passkey-rename")
    panel.get_by_role("button", name="Save").click()
    expect(keys.first).to_contain_text("Work laptop")
    expect(panel.get_by_role("status")).to_contain_text('now called "Work laptop"')
    assert _sql(web_server, "SELECT name FROM passkey WHERE user_id = (SELECT id FROM \"user\" "
                "WHERE username = ?)", name) == [("Work laptop",)]


def test_the_recovery_code_step_asks_for_a_recovery_code(open_page, verified, screenshot):
    name, _ = verified("lead")
    page = open_page("desktop")
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)
    set_up_app(page)
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    log_in(page, name)
    step = view(page, "Two-step login")
    expect(step).to_contain_text("code your authenticator app shows")
    step.get_by_role("button", name="Lost your phone? Use a recovery code").click()
    expect(step).to_contain_text("enter one of the recovery codes you saved")
    expect(step).not_to_contain_text("6‑digit code your authenticator app shows")
    screenshot(page, "desktop-light-88-second-step-recovery")


def fits(page) -> None:
    """Nothing makes the page wider than the window (a long URL once widened the Admin
    view to 504 px at 375)."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"the page is {wide} px wide"


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_every_view_at_375_and_1280(open_page, web_server, verified, screenshot, width):
    """Each view as a person meets it, saved to look at (test-artifacts/screenshots)."""
    name, _ = verified("looks")
    make_admin(web_server, name)
    page = open_page(width)
    for hash_ in ("#signup", "#verify", "#login", "#forgot", "#reset"):
        start(page, hash_)
        expect(page.locator(f"#view-{hash_[1:]}")).to_be_visible()
        screenshot(page, f"{width}-light-90-view-{hash_[1:]}")
        fits(page)
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)
    screenshot(page, f"{width}-light-90-view-chat")
    fits(page)
    account = account_view(page)
    screenshot(page, f"{width}-light-90-view-account")
    fits(page)
    # The panels' main buttons line up on the left, as "Add a passkey" does.
    lefts = {account.get_by_role("button", name=label, exact=True).bounding_box()["x"]
             for label in ("Set up an authenticator app", "Turn on approval", "Add a passkey",
                           "Change password")}
    assert len(lefts) == 1, lefts
    open_admin(page)
    screenshot(page, f"{width}-light-90-view-admin")
    fits(page)
    expect(chat_view(page)).to_be_hidden()


def test_every_id_the_stylesheet_styles_is_on_the_page():
    """A rule for an id the page lacks does nothing (#passkey-name-field once spaced the
    passkey name field from the list above it, and no element had that id)."""
    static = Path(__file__).resolve().parents[2] / "webui" / "static"
    css = re.sub(r"/\*.*?\*/", "", (static / "app.css").read_text(), flags=re.DOTALL)
    page = (static / "index.html").read_text()
    styled = set(re.findall(r"#([A-Za-z][\w-]*)(?![^{]*;)", css))  # selectors, not colours
    missing = {name for name in styled if f'id="{name}"' not in page}
    assert not missing, missing
