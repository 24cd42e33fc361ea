"""The administrator's apps over the admin API, both backends: list, show, create (the
secret shown once, and it works), update, rotate-secret (the old secret stops), delete;
each change audited with the administrator's name; bad input refused with nothing
changed; everyone but an admin refused (test_admin_api.py runs every admin row)."""

import pytest
import requests

from tests.admin.test_admin_api import make_admin
from tests.lifecycle.support import rows
from tests.support.api import call
from tests.support.databases import snapshot

REDIRECT = "http://127.0.0.1:9/callback"


def client_credentials(server, client_id: str, secret: str) -> int:
    """The status of a client-credentials token request with this secret."""
    return requests.post(server.url + "/oauth2/token", timeout=10,
                         data={"grant_type": "client_credentials", "scope": "profile"},
                         auth=(client_id, secret)).status_code


async def audited(server, client_id: str) -> list[tuple[str, str]]:
    return await rows(server.database_url,
                      "SELECT event, detail FROM audit_event WHERE detail LIKE ? ORDER BY id",
                      f"%{client_id}%")


async def test_an_admin_manages_apps(http, server, unique):
    admin = await make_admin(http, server, unique)
    created = await call(http, server, "admin_create_client", {
        "name": "Wiki", "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "scopes": ["openid", "profile"]}, token=admin.token)
    assert created.status == 200, created.body
    client_id, secret = created.body["client"]["client_id"], created.body["client_secret"]
    assert secret and created.body["client"]["grant_types"][-1] == "client_credentials"
    assert client_credentials(server, client_id, secret) == 200

    listed = await call(http, server, "admin_list_clients", {}, token=admin.token)
    assert client_id in [c["client_id"] for c in listed.body["clients"]]
    assert "secret" not in str(listed.body).replace("client_secret_", "")
    shown = await call(http, server, "admin_show_client", {"client_id": client_id},
                       token=admin.token)
    assert shown.body["name"] == "Wiki" and "client_secret" not in shown.body

    updated = await call(http, server, "admin_update_client", {
        "client_id": client_id, "name": "Team wiki", "access_token_seconds": 120},
        token=admin.token)
    assert updated.status == 200, updated.body
    assert updated.body["name"] == "Team wiki" and updated.body["access_token_seconds"] == 120
    assert updated.body["redirect_uris"] == [REDIRECT]  # left as it was

    rotated = await call(http, server, "admin_rotate_client_secret", {"client_id": client_id},
                         token=admin.token)
    assert rotated.status == 200 and rotated.body["client_secret"] != secret
    assert client_credentials(server, client_id, secret) == 401
    assert client_credentials(server, client_id, rotated.body["client_secret"]) == 200

    deleted = await call(http, server, "admin_delete_client", {"client_id": client_id},
                         token=admin.token)
    assert deleted.status == 200, deleted.body
    gone = await call(http, server, "admin_show_client", {"client_id": client_id},
                      token=admin.token)
    assert gone.status == 404

    events = [event for event, detail in await audited(server, client_id)
              if f"admin {admin.username}" in detail]
    assert events == ["oauth_client_created", "oauth_client_updated",
                      "oauth_client_secret_rotated", "oauth_client_deleted"]


@pytest.mark.parametrize("name, body, status", [
    ("admin_create_client", {"name": "No URIs"}, 400),
    ("admin_create_client", {"name": "x", "redirect_uris": ["not a uri"]}, 400),
    ("admin_create_client", {"name": "x", "redirect_uris": [REDIRECT],
                             "grant_types": ["password"]}, 400),
    ("admin_create_client", {"name": "x", "redirect_uris": [REDIRECT], "scopes": ["admin"]}, 400),
    ("admin_create_client", {"name": "x", "redirect_uris": [REDIRECT], "public": True,
                             "grant_types": ["client_credentials"]}, 400),
    ("admin_create_client", {"name": "", "redirect_uris": [REDIRECT]}, 400),
    ("admin_update_client", {"client_id": "nobody", "name": "x"}, 404),
    ("admin_update_client", {"client_id": "", "name": "x"}, 400),
    ("admin_rotate_client_secret", {"client_id": "nobody"}, 404),
    ("admin_delete_client", {"client_id": "nobody"}, 404),
    ("admin_show_client", {"client_id": "nobody"}, 404),
])
async def test_bad_client_requests_change_nothing(http, server, unique, name, body, status):
    admin = await make_admin(http, server, unique)
    before = await snapshot(server.database_url)
    reply = await call(http, server, name, body, token=admin.token)
    assert reply.status == status, reply.body
    assert reply.body["error"] and reply.body["code"]
    assert await snapshot(server.database_url) == before
