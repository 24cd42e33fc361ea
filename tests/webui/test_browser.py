"""The web UI in real Chromium against the real server: what a person sees and does.

Fields are found by their labels and roles, within the view (a labelled region) on screen.
"""

import json
import re
import statistics
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.ports import free_port
from tests.webui.support import (
    PASSWORD,
    chat_view,
    expect_connected,
    log_in,
    post_json,
    start,
    view,
)

STATIC = Path(__file__).resolve().parents[2] / "webui" / "static"
# What a first visit needs: the page and every file of webui/static but itself.
PAGE_FILES = sorted(str(path.relative_to(STATIC)) for path in STATIC.rglob("*")
                    if path.is_file() and path.name != "index.html")


def say(page, text: str) -> None:
    composer = chat_view(page).get_by_label("Message", exact=True)
    composer.fill(text)
    composer.press("Enter")


def message(page, author: str, text: str):
    """The chat message by `author` reading `text`, in the message log."""
    return (chat_view(page).get_by_role("log").get_by_role("listitem")
            .filter(has_text=text).filter(has_text=author))


@pytest.mark.parametrize(("width", "scheme"), [("phone", "light"), ("desktop", "light"),
                                               ("desktop", "dark")])
def test_whole_flow_sign_up_verify_log_in_chat(open_page, web_server, unique, screenshot,
                                               width, scheme):
    page = open_page(width, color_scheme=scheme)
    shot = f"{width}-{scheme}"
    username, email = unique("ada")
    start(page)

    signup = view(page, "Create your account")
    expect(signup).to_be_visible()
    screenshot(page, f"{shot}-1-signup")
    signup.get_by_label("Username").fill(username)
    signup.get_by_label("Email").fill(email)
    password = signup.get_by_label("Password", exact=True)
    password.fill("short")
    expect(signup.get_by_text(re.compile("Too short"))).to_be_visible()
    password.fill(PASSWORD)
    expect(signup.get_by_text(re.compile("(Good|Strong) password"))).to_be_visible()
    signup.get_by_role("button", name="Show password").click()
    expect(password).to_have_attribute("type", "text")
    signup.get_by_role("button", name="Hide password").click()
    expect(password).to_have_attribute("type", "password")
    signup.get_by_role("button", name="Create account").click()

    verify = view(page, "Check your email")
    expect(verify).to_be_visible()
    expect(verify.get_by_label("Email")).to_have_value(email)
    code = verify.get_by_label("Verification code")
    expect(code).to_be_focused()
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    screenshot(page, f"{shot}-2-verify")
    code.fill(web_server.code_for(email))
    verify.get_by_role("button", name="Verify email").click()

    login = view(page, "Welcome back")
    expect(login).to_be_visible()
    expect(page.get_by_text("Your email is confirmed")).to_be_visible()
    expect(login.get_by_label("Username or email")).to_have_value(username)
    expect(login.get_by_label("Password", exact=True)).to_be_focused()
    screenshot(page, f"{shot}-3-login")
    login.get_by_label("Password", exact=True).fill(PASSWORD)
    login.get_by_role("button", name="Log in").click()

    chat = chat_view(page)
    expect(chat).to_be_visible()
    expect_connected(page)
    expect(page.get_by_role("banner")).to_contain_text(f"Signed in as {username}")
    expect(chat.get_by_role("complementary").get_by_role("listitem")
           .filter(has_text=username)).to_be_visible()
    expect(chat.get_by_label("Message", exact=True)).to_be_focused()
    say(page, f"Hello from {username}, on a {width} screen.")
    sent = message(page, username, f"Hello from {username}")
    expect(sent).to_be_visible()
    expect(sent.locator("time")).to_have_text(re.compile(r"\d{1,2}:\d{2}"))
    expect(chat.get_by_label("Message", exact=True)).to_have_value("")
    screenshot(page, f"{shot}-4-chat")


def test_two_people_chat_both_ways(open_page, verified, screenshot):
    ada, _ = verified("ada")
    bob, _ = verified("bob")
    page_a = open_page("desktop")
    page_b = open_page("phone")
    for page, name in ((page_a, ada), (page_b, bob)):
        start(page)
        page.goto("/#login")
        log_in(page, name)
        expect_connected(page)

    online_a = chat_view(page_a).get_by_role("complementary")
    expect(online_a.get_by_role("listitem").filter(has_text=bob)).to_be_visible()

    say(page_a, f"Hi {bob}, can you read me?")
    expect(message(page_b, ada, f"Hi {bob}, can you read me?")).to_be_visible()
    say(page_b, f"Loud and clear, {ada}.")
    expect(message(page_a, bob, f"Loud and clear, {ada}.")).to_be_visible()
    expect(message(page_a, ada, f"Hi {bob}")).to_have_class(re.compile(r"\bmine\b"))
    expect(message(page_a, bob, "Loud and clear")).not_to_have_class(re.compile(r"\bmine\b"))
    screenshot(page_b, "phone-light-5-chat-two-people")

    page_b.get_by_role("button", name="Log out").click()
    expect(online_a.get_by_role("listitem").filter(has_text=bob)).to_have_count(0)


def test_a_chat_missed_live_is_fetched_and_shown_once(open_page, verified, screenshot):
    """The WebSocket between page and server loses one `chat` frame (as when a worker was
    cut off from Redis) and repeats another (as a worker back on Redis resends the latest);
    the next message shows the gap in the seqs, and the page fetches the lost one from
    history: all shown, each once, in order."""
    name, _ = verified("gus")
    page = open_page("desktop")
    dropped = []

    def relay(ws):
        server = ws.connect_to_server()
        ws.on_message(server.send)

        def to_page(frame):
            chat = isinstance(frame, str) and frame.startswith('42["chat"')
            if chat and "Lost live" in frame and not dropped:
                dropped.append(frame)
                return
            ws.send(frame)
            if chat and "Seen live" in frame:
                ws.send(frame)

        server.on_message(to_page)

    page.route_web_socket(re.compile(r"/socket\.io/"), relay)
    start(page, "#login")
    log_in(page, name)
    expect_connected(page)
    say(page, "Seen live first.")
    expect(message(page, name, "Seen live first.")).to_be_visible()
    say(page, "Lost live, fetched after.")
    while not dropped:  # stored and sent (and lost) before the next one is said
        page.wait_for_timeout(20)
    say(page, "Reveals the gap.")
    expect(message(page, name, "Reveals the gap.")).to_be_visible()
    said = ("Seen live first.", "Lost live, fetched after.", "Reveals the gap.")
    for text in said:
        expect(message(page, name, text)).to_have_count(1)
    shown = chat_view(page).get_by_role("log").get_by_role("listitem").all_inner_texts()
    assert [text for item in shown for text in said if text in item] == list(said)
    screenshot(page, "desktop-light-11-chat-gap-filled")


def test_wrong_code_is_explained_next_to_the_code(open_page, web_server, unique, screenshot):
    page = open_page("phone")
    username, email = unique("cy")
    start(page)
    signup = view(page, "Create your account")
    signup.get_by_label("Username").fill(username)
    signup.get_by_label("Email").fill(email)
    signup.get_by_label("Password", exact=True).fill(PASSWORD)
    signup.get_by_role("button", name="Create account").click()

    verify = view(page, "Check your email")
    right = web_server.code_for(email)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    code = verify.get_by_label("Verification code")
    code.fill("12 34")
    verify.get_by_role("button", name="Verify email").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile("The code has 6 digits"))
    code.fill(wrong)
    verify.get_by_role("button", name="Verify email").click()
    expect(code).to_have_accessible_description(re.compile("That code is not right"))
    screenshot(page, "phone-light-6-verify-wrong-code")

    # Resending is allowed once a minute: the second click shows the wait.
    verify.get_by_role("button", name=re.compile("send a new code")).click()
    expect(verify.get_by_text(f"We sent a new code to {email}")).to_be_visible()
    expect(verify.get_by_role("button", name=re.compile(r"send a new code \(in \d+ s\)"))
           ).to_be_disabled()
    screenshot(page, "phone-light-6b-verify-resend-cooldown")


def test_wrong_password_and_unverified_account_are_explained(open_page, web_server, unique,
                                                              verified, screenshot):
    name, _ = verified("dee")
    page = open_page("desktop")
    start(page)
    page.get_by_role("link", name="Log in").first.click()
    log_in(page, name, "not the right password")
    password = view(page, "Welcome back").get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("[Ww]rong username or password"))
    screenshot(page, "desktop-light-7-login-wrong-password")

    unverified, email = unique("eve")
    status, _ = _signup(web_server, unverified, email)
    assert status == 201
    log_in(page, email)
    form_error = view(page, "Welcome back").get_by_role("alert")
    expect(form_error).to_contain_text(re.compile("verif", re.IGNORECASE))
    screenshot(page, "desktop-light-7b-login-not-verified")
    form_error.get_by_role("link", name="Enter your code").click()
    verify = view(page, "Check your email")
    expect(verify.get_by_label("Email")).to_have_value(email)
    expect(verify.get_by_label("Verification code")).to_be_focused()


def test_taken_username_and_bad_fields_are_explained_next_to_them(open_page, verified,
                                                                  screenshot):
    taken, _ = verified("jo")
    page = open_page("phone")
    start(page)
    signup = view(page, "Create your account")
    signup.get_by_label("Username").fill("a b")
    signup.get_by_label("Email").fill("not-an-address")
    signup.get_by_label("Password", exact=True).fill("short")
    signup.get_by_role("button", name="Create account").click()
    expect(signup.get_by_label("Username")).to_have_accessible_description(
        re.compile("letters, digits"))
    expect(signup.get_by_label("Email")).to_have_accessible_description(
        re.compile("does not look like an email"))
    expect(signup.get_by_label("Password", exact=True)).to_have_accessible_description(
        re.compile("at least 8 characters"))
    screenshot(page, "phone-light-1b-signup-field-errors")

    signup.get_by_label("Username").fill(taken)
    signup.get_by_label("Email").fill(f"someone.else.{taken}@example.com")
    signup.get_by_label("Password", exact=True).fill(PASSWORD)
    signup.get_by_role("button", name="Create account").click()
    username = signup.get_by_label("Username")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_be_focused()
    expect(signup.get_by_label("Email")).not_to_have_attribute("aria-invalid", "true")


def _signup(server, username, email):
    return post_json(server, "/api/signup",
                     {"username": username, "email": email, "password": PASSWORD})


def test_reload_keeps_the_session_and_history(open_page, verified):
    name, _ = verified("fay")
    page = open_page("desktop")
    start(page)
    page.goto("/#login")
    log_in(page, name)
    expect_connected(page)
    say(page, "Written before the reload.")
    expect(message(page, name, "Written before the reload.")).to_be_visible()

    page.reload()
    expect(chat_view(page)).to_be_visible()
    expect_connected(page)
    expect(page.get_by_role("banner")).to_contain_text(f"Signed in as {name}")
    expect(message(page, name, "Written before the reload.")).to_be_visible()
    cookies = page.context.cookies()
    session = [c for c in cookies if c["name"] == "authserver_session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict"
    assert "authserver_session" not in page.evaluate("document.cookie")
    stored = page.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")
    assert session[0]["value"] not in stored


def test_history_pages_in_when_scrolling_up(start_server, open_page, verified, screenshot):
    # A server of its own: a known history, and no chat rate limit while filling it.
    server = start_server(RATE_LIMITS="off")
    name, _ = verified("gus", server=server)
    page = open_page("desktop", server=server)
    start(page)
    page.goto("/#login")
    log_in(page, name)
    expect_connected(page)
    first = f"first of many from {name}"
    say(page, first)
    for n in range(55):
        say(page, f"filler {n} from {name}")
    expect(message(page, name, f"filler 54 from {name}")).to_be_visible()

    page.reload()
    expect_connected(page)
    expect(message(page, name, f"filler 54 from {name}")).to_be_visible()
    expect(chat_view(page).get_by_role("log").get_by_role("listitem")).to_have_count(50)
    expect(message(page, name, first)).to_have_count(0)
    messages = chat_view(page).get_by_label("Messages", exact=True)
    for _ in range(20):
        messages.evaluate("node => { node.scrollTop = 0; }")
        if message(page, name, first).count():
            break
        page.wait_for_timeout(100)
    expect(message(page, name, first)).to_be_visible()
    expect(chat_view(page).get_by_text("This is the start of the conversation.")).to_be_visible()
    messages.evaluate("node => { node.scrollTop = 0; }")
    screenshot(page, "desktop-light-10-chat-history-top")


def test_log_out_ends_the_session_everywhere(open_page, verified, screenshot):
    name, _ = verified("hal")
    page = open_page("phone")
    start(page)
    page.goto("/#login")
    log_in(page, name)
    expect_connected(page)
    other_tab = page.context.new_page()
    other_tab.goto("/")
    expect_connected(other_tab)

    page.get_by_role("button", name="Log out").click()
    expect(view(page, "Welcome back")).to_be_visible()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    # The other tab's socket was closed by the server and the tab says so.
    expect(view(other_tab, "Welcome back")).to_be_visible()
    screenshot(other_tab, "phone-light-8-logged-out-elsewhere")

    page.reload()
    expect(view(page, "Welcome back")).to_be_visible()
    me = page.request.get("/api/me")
    assert me.status == 401
    page.goto("/#chat")
    expect(view(page, "Welcome back")).to_be_visible()


def test_connection_state_is_shown_and_recovers(start_server, open_page, verified, screenshot):
    server = start_server()
    name, _ = verified("ivy", server=server)
    page = open_page("desktop", server=server)
    # While the server is down Chromium reports each failed attempt to reach it.
    page.watch.allow("WebSocket connection to")
    page.watch.allow("net::ERR_CONNECTION_REFUSED")
    start(page)
    page.goto("/#login")
    log_in(page, name)
    expect_connected(page)
    state = chat_view(page).get_by_role("status")

    server.stop()
    expect(state).to_contain_text("Reconnecting")
    say(page, "sent while the server is away")
    expect(chat_view(page).get_by_label("Message", exact=True)).to_have_accessible_description(
        re.compile("Not connected right now"))
    screenshot(page, "desktop-light-9-chat-reconnecting")

    server.start()
    expect(state).to_contain_text("Connected", timeout=20_000)
    page.get_by_role("button", name="Send").click()
    expect(message(page, name, "sent while the server is away")).to_be_visible()


@contextmanager
def another_origin(page_text: str):
    """Serve one page from another port of the same host: same site, another origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = page_text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_another_origin_cannot_use_the_session_cookie(open_page, verified, web_server):
    name, _ = verified("kim")
    page = open_page("desktop")
    start(page)
    page.goto("/#login")
    log_in(page, name)
    expect_connected(page)

    # The browser does send the SameSite=Strict cookie here (same site: only the port
    # differs), so it is the server's origin check that must refuse the call.
    attack = (f'<script>fetch("{web_server.url}/api/logout", {{method: "POST", '
              'mode: "no-cors", credentials: "include"})'
              '.then(() => { document.title = "sent"; });</script>')
    with another_origin(attack) as evil:
        other = page.context.new_page()
        with other.expect_response(f"{web_server.url}/api/logout") as refused:
            other.goto(evil)
        expect(other).to_have_title("sent")
        other.close()
        page.watch.allow_origin(evil)
    assert refused.value.status == 403
    assert page.request.get("/api/me").status == 200
    page.reload()
    expect_connected(page)


def test_keyboard_alone_gets_through_the_sign_up_form(open_page):
    page = open_page("desktop")
    start(page)
    signup = view(page, "Create your account")
    signup.get_by_label("Username").focus()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.innerText"))
    assert order[:3] == ["signup-email", "signup-password", "Show"], order
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")  # on "Create account": every missing field is explained
    expect(signup.get_by_label("Username")).to_have_accessible_description(
        re.compile("Choose a username"))
    expect(signup.get_by_label("Username")).to_be_focused()


def test_without_javascript_the_page_says_it_needs_it(open_page, screenshot):
    page = open_page("phone", java_script_enabled=False)
    page.goto("/")
    expect(page.get_by_role("heading", name="This page needs JavaScript")).to_be_visible()
    screenshot(page, "phone-light-0-no-javascript")


def test_page_weight_and_time_to_interactive(open_page, artifacts):
    """Measured, not asserted: bytes over the wire on a first load and time until usable.

    Each load is a fresh context (empty cache, no cookie) in an already running browser;
    the figures are the median of a few loads, with the slowest kept beside it.
    """
    loads = []
    for _ in range(5):
        page = open_page("desktop")
        finished = []
        page.on("requestfinished", lambda request, finished=finished: finished.append(request))
        fetched: dict[str, int] = {}
        page.on("response", lambda response, fetched=fetched: fetched.__setitem__(
            urlsplit(response.url).path, response.status))
        page.goto("/")
        page.wait_for_selector("html[data-ready]")
        page.wait_for_load_state("networkidle")
        timing = page.evaluate("""() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const ready = performance.getEntriesByName("app-ready")[0];
            return {dom_content_loaded_ms: nav.domContentLoadedEventEnd,
                    load_ms: nav.loadEventEnd, interactive_ms: ready.startTime};
        }""")
        sizes = [request.sizes() for request in finished]
        timing["bytes_transferred"] = sum(s["responseBodySize"] + s["responseHeadersSize"]
                                          for s in sizes)
        timing["bytes_body"] = sum(s["responseBodySize"] for s in sizes)
        timing["requests"] = len(finished)
        loads.append(timing)
        assert not page.watch.api_refusals, "a first visit should make no request bound to fail"
        assert fetched.get("/") == 200, fetched
        for name in PAGE_FILES:  # each file came over the wire, and was served
            assert [status for path, status in fetched.items()
                    if path.endswith("/" + name)] == [200], (name, fetched)
        # The API calls of a first visit: what the deployment offers (CHAT, PRESENCE), and
        # the login view's outside providers (a "Continue with ..." button each).
        assert fetched.get("/api/config") == 200, fetched
        assert fetched.get("/api/login/providers") == 200, fetched
        assert len(fetched) == len(PAGE_FILES) + 3, fetched  # and nothing else
        assert timing["bytes_body"] > 0 and timing["interactive_ms"] > 0
        page.context.close()

    figures = {key: statistics.median(load[key] for load in loads) for key in loads[0]}
    figures["interactive_ms_slowest"] = max(load["interactive_ms"] for load in loads)
    figures = {key: round(value, 1) for key, value in figures.items()}
    (artifacts / "webui-figures.json").write_text(json.dumps(figures, indent=2))
    print(f"web UI first load (median of {len(loads)}): {json.dumps(figures)}")
