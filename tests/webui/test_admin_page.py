"""The Admin view in real Chromium: an administrator finds a user, opens them, disables
them (their open chat ends at once), enables and deletes them, each behind a
confirmation; a person without the role never sees the view."""

import json
import re
import sqlite3
import urllib.request
from contextlib import closing

import pytest
from playwright.sync_api import expect

from tests.webui.support import PASSWORD, chat_view, log_in, post_json, signed_in, view


def make_admin(server, name: str) -> None:
    path = server.database_url[len("sqlite:///"):]
    with sqlite3.connect(path) as connection:
        connection.execute('UPDATE "user" SET role = ? WHERE username = ?', ("admin", name))


def open_admin(page):
    page.get_by_role("banner").get_by_role("link", name="Admin").click()
    admin = page.get_by_role("region", name="Users", exact=True)
    expect(admin).to_be_visible()
    return admin


def confirm(page, button: str, password: str | None = None) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    if password is not None:  # Disable and Delete carry the admin's own password
        dialog.get_by_label("Your password").fill(password)
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_an_admin_finds_disables_enables_and_deletes_a_user(open_page, web_server, verified,
                                                             screenshot, width):
    admin_name, _ = verified("boss")
    target_name, _ = verified("member")
    make_admin(web_server, admin_name)
    target = signed_in(open_page, target_name, "desktop")
    page = signed_in(open_page, admin_name, width)

    admin = open_admin(page)
    expect(admin.locator("#admin-online")).to_have_text(re.compile("^[2-9]|[1-9][0-9]+$"))
    search = admin.get_by_role("search")
    search.get_by_label("Search by username or address").fill(target_name)
    search.get_by_role("button", name="Search").click()
    expect(admin.get_by_text("1–1 of 1 user")).to_be_visible()
    screenshot(page, f"{width}-light-61-admin-users")
    admin.get_by_role("button", name=f"Open {target_name}").click()

    detail = view(admin, target_name)
    expect(detail).to_be_visible()
    expect(detail.get_by_text("Last login", exact=True)).to_be_visible()
    detail.get_by_role("button", name="Disable…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("login is refused")
    screenshot(page, f"{width}-light-62-admin-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(detail).to_contain_text("Active")

    detail.get_by_role("button", name="Disable…").click()
    confirm(page, "Disable", PASSWORD)
    expect(detail.get_by_role("status")).to_contain_text("is disabled")
    expect(view(target, "Welcome back")).to_be_visible()  # logged out live
    log_in(target, target_name)
    expect(view(target, "Welcome back").get_by_role("alert")).to_contain_text("disabled")
    screenshot(page, f"{width}-light-63-admin-user")

    detail.get_by_role("button", name="Enable").click()
    confirm(page, "Enable")
    expect(detail.get_by_role("status")).to_contain_text("can log in again")
    log_in(target, target_name)
    expect(chat_view(target)).to_be_visible()

    detail.get_by_role("button", name="Delete…").click()
    confirm(page, "Delete", PASSWORD)
    expect(detail).to_be_hidden()
    expect(admin.get_by_text("No user matches")).to_be_visible()


def test_the_admin_view_is_for_admins_only(open_page, verified):
    name, _ = verified("plain")
    page = signed_in(open_page, name)
    expect(page.get_by_role("banner").get_by_role("link", name="Admin")).to_be_hidden()
    page.goto("/#admin")
    expect(chat_view(page)).to_be_visible()



def test_the_list_pages_forward_and_back_by_cursor(open_page, web_server, verified):
    admin_name, _ = verified("pager")
    make_admin(web_server, admin_name)
    names = [verified("paged")[0] for _ in range(21)]  # one more than a page
    shared = names[0][:len("paged") + 6]  # the prefix and the test's run id
    page = signed_in(open_page, admin_name, "desktop")
    admin = open_admin(page)
    search = admin.get_by_role("search")
    search.get_by_label("Search by username or address").fill(shared)
    search.get_by_role("button", name="Search").click()
    status = admin.locator("#admin-users-status")
    expect(status).to_have_text(re.compile(r"^1–20 of 21 users"))
    expect(admin.get_by_role("button", name="Previous page")).to_be_disabled()
    admin.get_by_role("button", name="Next page").click()
    expect(status).to_have_text(re.compile(r"^21–21 of 21 users"))
    expect(admin.get_by_role("button", name=f"Open {names[0]}")).to_be_visible()
    expect(admin.get_by_role("button", name="Next page")).to_be_disabled()
    admin.get_by_role("button", name="Previous page").click()
    expect(status).to_have_text(re.compile(r"^1–20 of 21 users"))
    expect(admin.get_by_role("button", name=f"Open {names[-1]}")).to_be_visible()


def _bearer_post(server, path: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_an_admin_whose_role_is_taken_loses_the_admin_view_at_once(open_page, web_server,
                                                                    verified):
    """Another admin takes the role while the Admin view is open: the page leaves it and
    hides the link, with no reload; given back, the link shows again."""
    boss_name, _ = verified("boss")
    other_name, _ = verified("deputy")
    make_admin(web_server, boss_name)
    make_admin(web_server, other_name)
    page = signed_in(open_page, other_name, "desktop")
    open_admin(page)
    status, login = post_json(web_server, "/api/login",
                              {"username": boss_name, "password": PASSWORD})
    assert status == 200, login
    with closing(sqlite3.connect(web_server.database_url[len("sqlite:///"):])) as database:
        [(other_id,)] = database.execute('SELECT id FROM "user" WHERE username = ?',
                                         (other_name,)).fetchall()
    act = {"user_id": other_id, "current_password": PASSWORD}

    _bearer_post(web_server, "/api/admin/users/revoke-admin", act, login["token"])
    link = page.get_by_role("banner").get_by_role("link", name="Admin")
    expect(link).to_be_hidden()
    expect(page.get_by_text("You are no longer an administrator")).to_be_visible()
    expect(chat_view(page)).to_be_visible()

    _bearer_post(web_server, "/api/admin/users/grant-admin", act, login["token"])
    expect(link).to_be_visible()
