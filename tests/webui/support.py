"""Helpers shared by the web UI tests: plain HTTP calls, and finding things on the page
the way a person does (by headings, labels and roles)."""

import json
import re
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect

PASSWORD = "a calm and long passphrase"
NEW_PASSWORD = "another calm and long passphrase"


def post_json(server, path: str, body: dict) -> tuple[int, dict]:
    """A plain HTTP call from the test itself, outside any browser."""
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def mailed_code(server, email: str, subject: str, timeout: float = 10.0) -> str:
    """The 6-digit code of the latest mail to `email` whose subject contains `subject`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [message for message in server.mailbox.messages_for(email)
                 if subject in message["Subject"]]
        if found:
            body = found[-1].get_payload(decode=True).decode()
            return re.search(r"\b(\d{6})\b", body).group(1)
        time.sleep(0.02)
    raise AssertionError(f"no mail about {subject!r} for {email} within {timeout}s")


def view(page, title: str):
    """The view (or part of one) on screen whose heading is `title`."""
    return page.get_by_role("region", name=title)


def start(page, hash_: str = "") -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("html[data-ready]")


def log_in(page, name: str, password: str = PASSWORD) -> None:
    form = view(page, "Welcome back")
    form.get_by_label("Username or email").fill(name)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Log in").click()


def chat_view(page):
    return view(page, "Chat")


def expect_connected(page) -> None:
    expect(chat_view(page).get_by_role("status")).to_contain_text("Connected")


def signed_in(open_page, name: str, width: str = "desktop", **options):
    """A page in a fresh browser context, logged in as `name` and connected."""
    page = open_page(width, **options)
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)
    return page
