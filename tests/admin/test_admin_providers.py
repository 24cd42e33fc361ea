"""The administrator's outside providers over the admin API, both backends: list, show,
add, update, remove, each the same act as `authserver providers` and audited with the
administrator's name; the client secret goes in and never comes out; remove asks the
admin's own password; bad input is refused with nothing changed (everyone but an admin
is refused by test_admin_api.py, which runs every admin row)."""

import uuid

import pytest

from tests.admin.test_admin_api import make_admin
from tests.lifecycle.support import rows
from tests.support.api import call, verified_account
from tests.support.databases import snapshot

ISSUER = "https://id.example.org"
SECRET = "the client secret at the provider"


def _name() -> str:
    return f"op-{uuid.uuid4().hex[:8]}"


async def _sealed(server, name: str) -> str:
    [(sealed,)] = await rows(server.database_url,
                             "SELECT client_secret FROM outside_provider WHERE name = ?", name)
    return sealed


async def _audited(server, name: str) -> list[tuple[str, str]]:
    return await rows(server.database_url,
                      "SELECT event, detail FROM audit_event WHERE event LIKE 'provider_%' "
                      "AND detail LIKE ? ORDER BY id", f"%{name}%")


async def _add(http, server, admin, name: str, **fields):
    return await call(http, server, "admin_add_provider", {
        "name": name, "issuer": ISSUER, "client_id": "our-id", "client_secret": SECRET,
        **fields}, token=admin.token)


async def test_an_admin_manages_providers(http, server, unique):
    admin = await make_admin(http, server, unique)
    name = _name()
    added = await _add(http, server, admin, name, scopes=["email"], trust_amr=True)
    assert added.status == 200, added.body
    assert added.body == {
        "name": name, "issuer": ISSUER, "client_id": "our-id", "scopes": ["openid", "email"],
        "button_label": f"Continue with {name}", "allow_signup": True, "trust_email": False,
        "trust_amr": True, "callback_path": f"/api/login/provider/{name}/callback"}
    sealed = await _sealed(server, name)
    assert SECRET not in sealed

    listed = await call(http, server, "admin_list_providers", {}, token=admin.token)
    assert listed.status == 200 and added.body in listed.body["providers"]
    shown = await call(http, server, "admin_show_provider", {"name": name}, token=admin.token)
    assert shown.body == added.body
    for reply in (added, listed, shown):
        assert "secret" not in str(reply.body) and sealed not in str(reply.body)
    buttons = await call(http, server, "login_providers")
    assert {"name": name, "label": f"Continue with {name}"} in buttons.body["providers"]

    updated = await call(http, server, "admin_update_provider", {
        "name": name, "button_label": "Continue with Example", "trust_email": True,
        "allow_signup": False, "client_secret": "a new secret"}, token=admin.token)
    assert updated.status == 200, updated.body
    assert updated.body == {**added.body, "button_label": "Continue with Example",
                            "trust_email": True, "allow_signup": False}
    assert await _sealed(server, name) != sealed  # the new secret, sealed

    renamed = await call(http, server, "admin_update_provider",
                         {"name": name, "new_name": name + "-b"}, token=admin.token)
    assert renamed.status == 200 and renamed.body["name"] == name + "-b"
    assert renamed.body["callback_path"] == f"/api/login/provider/{name}-b/callback"

    removed = await call(http, server, "admin_remove_provider", {
        "name": name + "-b", "current_password": admin.password}, token=admin.token)
    assert removed.status == 200, removed.body
    gone = await call(http, server, "admin_show_provider", {"name": name + "-b"},
                      token=admin.token)
    assert gone.status == 404

    events = [(event, detail) for event, detail in await _audited(server, name)]
    assert [event for event, _ in events] == [
        "provider_added", "provider_updated", "provider_updated", "provider_removed"]
    assert all(f"admin {admin.username}" in detail for _, detail in events), events
    assert "client_secret" in events[1][1]  # what changed is named, never its value
    assert not any(SECRET in detail or "a new secret" in detail for _, detail in events)


async def test_remove_without_the_admin_s_password_changes_nothing(http, server, unique):
    admin = await make_admin(http, server, unique)
    name = _name()
    assert (await _add(http, server, admin, name)).status == 200
    before = await snapshot(server.database_url)
    for body in ({"name": name}, {"name": name, "current_password": "not my password"}):
        refused = await call(http, server, "admin_remove_provider", body, token=admin.token)
        assert refused.status == 400, refused.body
    assert await snapshot(server.database_url) == before
    assert not [e for e, _ in await _audited(server, name) if e == "provider_removed"]


def _valid_bodies(existing: str, password: str) -> dict[str, dict]:
    """A body each provider call would act on, given the role."""
    return {"admin_list_providers": {},
            "admin_show_provider": {"name": existing},
            "admin_add_provider": {"name": _name(), "issuer": ISSUER, "client_id": "c",
                                   "client_secret": "s"},
            "admin_update_provider": {"name": existing, "button_label": "Mine"},
            "admin_remove_provider": {"name": existing, "current_password": password}}


@pytest.mark.parametrize("name", ["admin_list_providers", "admin_show_provider",
                                  "admin_add_provider", "admin_update_provider",
                                  "admin_remove_provider"])
async def test_a_non_admin_is_refused_and_nothing_changes(http, server, unique, name):
    admin = await make_admin(http, server, unique)
    existing = _name()
    assert (await _add(http, server, admin, existing)).status == 200
    plain = await verified_account(http, server, unique)
    before = await snapshot(server.database_url)
    refused = await call(http, server, name, _valid_bodies(existing, plain.password)[name],
                         token=plain.token)
    assert refused.status == 403 and refused.body["code"] == "PERMISSION_DENIED", refused.body
    assert set(refused.body) <= {"error", "code", "field"}
    assert await snapshot(server.database_url) == before


EXISTING = "existing"  # replaced by the name of a provider the test added


@pytest.mark.parametrize("name, body, status", [
    ("admin_add_provider", {"name": "Capitals", "issuer": ISSUER, "client_id": "c",
                            "client_secret": "s"}, 400),
    ("admin_add_provider", {"name": "x", "issuer": "http://id.example.org",
                            "client_id": "c", "client_secret": "s"}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER + "?a=b", "client_id": "c",
                            "client_secret": "s"}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER, "client_id": "c"}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER, "client_id": "c",
                            "client_secret": "   "}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER, "client_id": " ",
                            "client_secret": "s"}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER, "client_id": "c",
                            "client_secret": "s", "scopes": ["two words"]}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER, "client_id": "c",
                            "client_secret": "s", "trust_email": "yes please"}, 400),
    ("admin_add_provider", {"name": "x", "issuer": ISSUER, "client_id": "c",
                            "client_secret": "s", "sealed": "no"}, 400),
    ("admin_add_provider", {"name": EXISTING, "issuer": ISSUER, "client_id": "c",
                            "client_secret": "s"}, 409),
    ("admin_update_provider", {"name": EXISTING, "issuer": "ftp://id.example.org"}, 400),
    ("admin_update_provider", {"name": EXISTING, "button_label": ""}, 400),
    ("admin_update_provider", {"name": EXISTING, "new_name": "No Spaces"}, 400),
    ("admin_update_provider", {"name": "nobody-here", "button_label": "x"}, 404),
    ("admin_show_provider", {"name": "nobody-here"}, 404),
    ("admin_show_provider", {}, 400),
    ("admin_remove_provider", {"name": "nobody-here", "current_password": "PASSWORD"}, 404),
])
async def test_bad_input_is_refused_and_changes_nothing(http, server, unique, name, body,
                                                       status):
    admin = await make_admin(http, server, unique)
    existing = _name()
    assert (await _add(http, server, admin, existing)).status == 200
    body = {key: existing if value == EXISTING else
            admin.password if value == "PASSWORD" else value for key, value in body.items()}
    before = await snapshot(server.database_url)
    refused = await call(http, server, name, body, token=admin.token)
    assert refused.status == status, refused.body
    assert refused.body["error"]
    assert await snapshot(server.database_url) == before
    shown = await call(http, server, "admin_show_provider", {"name": existing},
                       token=admin.token)
    assert shown.body["issuer"] == ISSUER and shown.body["button_label"].endswith(existing)


async def test_renaming_onto_another_provider_is_409(http, server, unique):
    admin = await make_admin(http, server, unique)
    first, second = _name(), _name()
    for name in (first, second):
        assert (await _add(http, server, admin, name)).status == 200
    before = await snapshot(server.database_url)
    refused = await call(http, server, "admin_update_provider",
                         {"name": first, "new_name": second}, token=admin.token)
    assert refused.status == 409, refused.body
    assert await snapshot(server.database_url) == before
