"""Browser fixtures: Debian's Chromium driven by Playwright, never a downloaded browser.

Every page a test opens is watched: a console error, an uncaught exception or a request
to another origin fails the test when its context closes.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.need import need
from tests.webui.support import PASSWORD, post_json

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling outside hosts and starts
# slowly; QUIC and the GPU are of no use headless on a server.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": (375, 740), "desktop": (1280, 800)}

_screenshots: list[Path] = []


def _chromium_available() -> bool:
    path = shutil.which(CHROMIUM) or CHROMIUM
    return Path(path).is_file() and os.access(path, os.X_OK)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test opens its own contexts."""
    need(_chromium_available(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What one browser context did that a test must not let pass silently."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    api_refusals: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        """Let console errors containing `fragment` pass (a test that breaks things on purpose)."""
        self.expected.append(fragment)

    def allow_origin(self, origin: str) -> None:
        """Stop counting requests to `origin` as leaks (a test that opens another site)."""
        self.foreign = [url for url in self.foreign if not _same_origin(url, origin)]

    def request(self, request) -> None:
        if not _same_origin(request.url, self.origin):
            self.foreign.append(request.url)

    def websocket(self, socket) -> None:
        if not _same_origin(socket.url, self.origin):
            self.foreign.append(socket.url)

    def console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium logs every 4xx answer to fetch() as "Failed to load resource". For the
        # API that is the page working as meant (a wrong password is a 401 it explains to
        # the person), so those are counted apart; any other error fails the test.
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource: the server responded with a "
                                   "status of 4") and urlsplit(url).path.startswith("/api/"):
            self.api_refusals.append(f"{urlsplit(url).path}: {message.text}")
            return
        if any(fragment in message.text for fragment in self.expected):
            return
        self.problems.append(f"console error: {message.text} at {url}")

    def page_error(self, error) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def check(self) -> None:
        assert not self.foreign, f"requests left the server's origin: {self.foreign}"
        assert not self.problems, "\n".join(self.problems)


def _same_origin(url: str, origin: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    parts, home = urlsplit(url), urlsplit(origin)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return (scheme, parts.netloc) == (home.scheme, home.netloc)


@pytest.fixture(scope="module")
def web_server(servers):
    """The real server (SQLite, mail to the test SMTP sink, its rate limits on), started
    for the browser tests alone: they sign up dozens of people from one address, which
    must not eat into the sign-up allowance of the shared server the other tests use."""
    server = servers.new("sqlite")
    server.mailbox = servers.mailbox
    server.start()
    yield server
    server.stop()


@pytest.fixture
def open_page(browser, web_server):
    """`open_page(width="desktop", server=None, **context_options)`: a page in a fresh,
    watched context, on `web_server` unless told otherwise."""
    contexts = []
    log_offset = web_server.log_size()

    def open_(width: str = "desktop", server=None, **options):
        origin = (server or web_server).url
        w, h = WIDTHS[width]
        context = browser.new_context(viewport={"width": w, "height": h},
                                      base_url=origin, **options)
        context.set_default_timeout(10_000)
        watch = Watch(origin)
        context.on("request", watch.request)
        context.on("page", lambda page: _watch_page(page, watch))
        page = context.new_page()
        contexts.append((context, watch))
        page.watch = watch
        return page

    yield open_
    for context, _ in contexts:
        context.close()
    for _, watch in contexts:
        watch.check()
    errors = web_server.errors_since(log_offset)
    assert not errors, f"the server logged errors: {errors}"


def _watch_page(page, watch: Watch) -> None:
    page.on("console", watch.console)
    page.on("pageerror", watch.page_error)
    page.on("websocket", watch.websocket)


@pytest.fixture
def screenshot(artifacts):
    """`screenshot(page, name)`: save a PNG under test-artifacts/screenshots/ and say where."""
    folder = artifacts / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        _screenshots.append(path.resolve())
        print(f"screenshot: {path.resolve()}")
        return path

    return take


def pytest_terminal_summary(terminalreporter) -> None:
    if _screenshots:
        terminalreporter.section("web UI screenshots")
        for path in _screenshots:
            terminalreporter.write_line(str(path))


@pytest.fixture
def verified(web_server, unique):
    """`verified(prefix, server=None)`: a new account, signed up and verified over REST
    (on `web_server` unless told otherwise): (name, email)."""

    def make(prefix: str = "web", server=None) -> tuple[str, str]:
        server = server or web_server
        username, email = unique(prefix)
        status, body = post_json(server, "/api/signup",
                                 {"username": username, "email": email, "password": PASSWORD})
        assert status == 201, body
        code = server.code_for(email)
        status, body = post_json(server, "/api/verify-email", {"email": email, "code": code})
        assert status == 200, body
        return username, email

    return make
