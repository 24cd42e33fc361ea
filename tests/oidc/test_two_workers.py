"""Two server processes sharing PostgreSQL and Redis, as `--workers 2` or two hosts run:
a token revoked on one, or whose session ended there, is refused on the other at once
(introspection inactive, userinfo 401, refresh refused), with no wait for a cache."""

import uuid

import requests

from tests.oidc.support import introspect, register, tokens
from tests.oidc.support import person as signed_in_person
from tests.support.redis import need_redis


def _at(server, path: str, app, **form) -> requests.Response:
    return requests.post(server.url + path, data=form, auth=(app.client_id, app.client_secret),
                         timeout=10)


def test_a_token_revoked_on_one_worker_is_refused_on_the_other(start_server, servers,
                                                                 unique):
    redis_url = need_redis()
    database_url = servers.database_url("postgresql")
    shared = {"REDIS_URL": redis_url, "RATE_LIMIT_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}
    first = start_server("postgresql", database_url=database_url, **shared)
    # One issuer for both, as behind one public address.
    second = start_server("postgresql", database_url=database_url, PUBLIC_URL=first.url,
                          **shared)
    app = register(first, "--first-party")
    who = signed_in_person(first, unique)

    _, token = tokens(first, who, app)
    # Twice, so the second worker remembers the app and takes its quick path after.
    for _ in range(2):
        assert _at(second, "/oauth2/introspect", app, token=token["access_token"]).json()[
            "active"] is True
    assert _at(first, "/oauth2/revoke", app, token=token["refresh_token"]).status_code == 200
    for kind in ("access_token", "refresh_token"):
        assert _at(second, "/oauth2/introspect", app, token=token[kind]).json() == {
            "active": False}
    assert requests.get(second.url + "/oauth2/userinfo", timeout=10, headers={
        "Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    assert _at(second, "/oauth2/token", app, grant_type="refresh_token",
               refresh_token=token["refresh_token"]).status_code == 400

    # A session ended on the first worker ends the app's access on the second.
    _, token = tokens(first, who, app)
    assert introspect(first, app, token["access_token"])["active"] is True
    assert _at(second, "/oauth2/introspect", app, token=token["access_token"]).json()[
        "active"] is True
    reply = who.browser.post(first.url + "/api/logout", headers={"Origin": first.url},
                             timeout=10)
    assert reply.status_code == 200
    assert _at(second, "/oauth2/introspect", app, token=token["access_token"]).json()[
        "active"] is False
