"""Apache's mod_auth_openidc as a relying party, driven by Chromium: the protected page
sends the browser to authserver's login view (a plain account, then one with TOTP on),
comes back with the person's claims on the page, and RP-initiated logout (the
`end_session_endpoint` Apache read from discovery) ends the authserver session and lands
on the app's page for it."""

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
from playwright.sync_api import expect

from tests.need import need
from tests.oidc.apache import APACHE, MODULE, Apache
from tests.oidc.support import register
from tests.twofactor.support import enrolled_account
from tests.webui.support import PASSWORD, log_in, view


@pytest.fixture
def apache_rp(web_server):
    need(shutil.which("apache2") is not None or os.access(APACHE, os.X_OK),
         "apache2 is not installed (apt-get install apache2 libapache2-mod-auth-openidc)")
    need(MODULE.exists(), "mod_auth_openidc is not installed "
                          "(apt-get install libapache2-mod-auth-openidc)")
    started: list[Apache] = []

    def run() -> tuple[Apache, object]:
        probe = Apache(web_server.url, "x", "x")
        app = register(web_server, "--first-party", "--redirect-uri", probe.redirect_uri,
                       "--post-logout-redirect-uri", probe.logged_out)
        probe.config.write_text(probe.config.read_text()
                                .replace("OIDCClientID x", f"OIDCClientID {app.client_id}")
                                .replace("OIDCClientSecret x",
                                         f"OIDCClientSecret {app.client_secret}"))
        started.append(probe.start())
        return probe, app

    yield run
    for apache in started:
        apache.stop()


def _signs_in_and_out(page, apache: Apache, name: str, email: str, second_step=None,
                      password: str = PASSWORD) -> None:
    page.goto(apache.url + "/protected/")
    page.wait_for_selector("html[data-ready]")
    log_in(page, name, password)
    if second_step is not None:
        step = view(page, "Two-step login")
        step.get_by_label("Code from your app").fill(second_step())
        step.get_by_role("button", name="Log in").click()
    page.wait_for_url(apache.url + "/protected/")
    expect(page.locator("#user")).to_have_text(name)
    expect(page.locator("#email")).to_have_text(email)
    assert page.locator("#sub").inner_text()

    page.locator("#logout").click()
    page.wait_for_url(apache.logged_out)
    expect(page.get_by_role("heading")).to_have_text("Logged out of the app")
    # The authserver session ended too: the protected page asks for a login again.
    page.goto(apache.url + "/protected/")
    page.wait_for_selector("html[data-ready]")
    expect(view(page, "Welcome back")).to_be_visible()
    page.watch.allow_origin(apache.url)  # the app's own site, visited on purpose


def test_apache_signs_in_with_a_password(apache_rp, open_page, verified, screenshot):
    apache, _ = apache_rp()
    name, email = verified("rp")
    page = open_page()
    _signs_in_and_out(page, apache, name, email)


def test_apache_signs_in_with_totp(apache_rp, open_page, web_server, unique):
    apache, _ = apache_rp()

    async def enrol():
        async with aiohttp.ClientSession() as http:
            return await enrolled_account(http, web_server, unique)

    # Playwright's sync API holds this thread's event loop: enrol from another thread.
    with ThreadPoolExecutor(1) as pool:
        enrolled = pool.submit(asyncio.run, enrol()).result()
    page = open_page()
    _signs_in_and_out(page, apache, enrolled.account.username, enrolled.account.email,
                      enrolled.app.code_now, enrolled.account.password)
