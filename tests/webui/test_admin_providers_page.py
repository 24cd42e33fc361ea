"""The Admin view's sign-in providers in real Chromium: an administrator adds one (its
secret never shown back), sees it listed and on the login page, changes its label, and
removes it behind their own password."""

import json
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect

from tests.webui.support import PASSWORD, signed_in, view
from tests.webui.test_admin_page import confirm, make_admin, open_admin

SECRET = "a secret the page never shows"


def _buttons(server) -> list[dict]:
    with urlopen(server.url + "/api/login/providers", timeout=10) as reply:
        return json.load(reply)["providers"]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_an_admin_adds_changes_and_removes_a_provider(open_page, web_server, verified,
                                                      screenshot, width):
    name, _ = verified("boss")
    make_admin(web_server, name)
    page = signed_in(open_page, name, width)
    providers = view(open_admin(page), "Sign-in providers")
    form = providers.locator("#provider-form")
    provider = f"company-{width}"
    form.get_by_label("Name").fill(provider)
    expect(form).to_contain_text(f"{web_server.url}/api/login/provider/{provider}/callback")
    form.get_by_label("Issuer URL").fill("https://id.example.org")
    form.get_by_label("Client id").fill("our-client")
    form.get_by_label("Client secret").fill(SECRET)
    form.get_by_label("Button label").fill("Continue with Company ID")
    form.get_by_label("Trust its second factor").check()
    form.get_by_role("button", name="Add provider").click()
    expect(form.get_by_role("status")).to_contain_text(f"{provider} is added")
    row = providers.get_by_role("row").filter(has_text="Continue with Company ID")
    expect(row).to_contain_text("https://id.example.org")
    expect(row).to_contain_text("its second factor")
    assert {"name": provider, "label": "Continue with Company ID"} in _buttons(web_server)
    assert SECRET not in page.content()
    screenshot(page, f"{width}-admin-providers")

    row.get_by_role("button", name=f"Change {provider}").click()
    expect(form.get_by_label("Issuer URL")).to_have_value("https://id.example.org")
    expect(form.get_by_label("Client secret")).to_have_value("")
    form.get_by_label("Button label").fill("Continue with Company")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_role("status")).to_contain_text(f"{provider} is saved")
    row = providers.get_by_role("row").filter(has_text=provider)
    expect(row).to_contain_text("Continue with Company")
    expect(row).not_to_contain_text("Company ID")

    form.get_by_label("Name").fill("Not A Name")
    form.get_by_label("Issuer URL").fill("https://id.example.org")
    form.get_by_label("Client id").fill("x")
    form.get_by_label("Client secret").fill("y")
    form.get_by_role("button", name="Add provider").click()
    expect(form.locator(".error:not([hidden])")).to_be_visible()
    expect(providers.get_by_role("row").filter(has_text="Not A Name")).to_have_count(0)

    row.get_by_role("button", name=f"Remove {provider}").click()
    confirm(page, "Remove", PASSWORD)
    expect(providers.locator("#admin-providers-status")).to_contain_text("is removed")
    expect(providers.get_by_role("row").filter(has_text=provider)).to_have_count(0)
    assert all(button["name"] != provider for button in _buttons(web_server))
