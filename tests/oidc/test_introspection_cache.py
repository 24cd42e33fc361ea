"""Introspection authenticates an app from the copy of it the server process remembers,
confirmed on each request by the app's row as the token's query reads it. A change the
operator makes with `authserver clients` (another process, on the same database, with no
message to the server) is therefore seen by the very next introspection: a rotated
secret, a deleted app, an app made public are refused at once. Each test first
introspects twice, so the app and the token are remembered and the next request takes
the remembered path. Both backends, each test on a server of its own: the refusals
count against the address's budget of wrong client credentials, which the shared
servers' other tests need."""

import json

import pytest
import requests

from tests.conftest import BACKENDS
from tests.oidc.support import App, introspect, metadata, register, tokens
from tests.oidc.support import person as signed_in_person
from tests.support.server import TEST_SECRET, run_authserver


@pytest.fixture(params=BACKENDS)
def server(request, start_server):
    """A server of this test's own (instead of the shared one)."""
    return start_server(request.param)


def _operator(server, *args: str):
    done = run_authserver({"DATABASE_URL": server.database_url, "SECRET_KEY": TEST_SECRET},
                          "clients", *args)
    assert done.returncode == 0, done.stderr
    return done


def _introspection(server, app: App, token: str) -> requests.Response:
    return requests.post(metadata(server)["introspection_endpoint"], data={"token": token},
                         auth=(app.client_id, app.client_secret), timeout=10)


def _remembered(server, unique) -> tuple[App, str]:
    """An app and its access token, introspected twice (so remembered by the server)."""
    app = register(server, "--first-party")
    _, token = tokens(server, signed_in_person(server, unique), app)
    for _ in range(2):
        assert introspect(server, app, token["access_token"])["active"] is True
    return app, token["access_token"]


def test_a_secret_rotated_by_the_operator_is_refused_at_once(server, unique):
    app, token = _remembered(server, unique)
    rotated = json.loads(_operator(server, "rotate-secret", "--json", "--", app.client_id).stdout)

    refused = _introspection(server, app, token)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    renewed = App(app.client_id, rotated["client_secret"])
    assert introspect(server, renewed, token)["active"] is True
    # and the new copy is the one remembered now: the old secret stays refused
    assert _introspection(server, app, token).status_code == 401
    assert introspect(server, renewed, token)["active"] is True


def test_an_app_deleted_by_the_operator_is_refused_at_once(server, unique):
    app, token = _remembered(server, unique)
    _operator(server, "delete", "--", app.client_id)

    refused = _introspection(server, app, token)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_an_app_made_public_by_the_operator_is_refused_at_once(server, unique):
    app, token = _remembered(server, unique)
    _operator(server, "update", "--public", "--", app.client_id)

    refused = _introspection(server, app, token)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_a_remembered_app_asking_about_another_apps_token_learns_nothing(server, unique):
    app, token = _remembered(server, unique)
    other, _ = _remembered(server, unique)
    assert introspect(server, other, token) == {"active": False}
    assert introspect(server, app, token)["active"] is True
