"""The admin API end to end on both backends: only the admin role gets in (one test over
every admin row of the service table), every action leaves an audit row, and each action
does what it says to the account, its sessions and its sockets."""

import uuid

import pytest

from contracts import CALLS
from tests.lifecycle.support import audit_details, mail, rows
from tests.support.api import call, verified_account
from tests.support.databases import snapshot
from tests.twofactor.support import enrolled_account

ADMIN_CALLS = [c.name for c in CALLS if c.admin]
# The calls about an account (the apps' calls are tested in test_admin_clients.py, the
# outside providers' in test_admin_providers.py).
USER_CALLS = [name for name in ADMIN_CALLS if "client" not in name and "provider" not in name]


async def make_admin(http, server, unique):
    account = await verified_account(http, server, unique)
    await rows(server.database_url, "UPDATE \"user\" SET role = 'admin' WHERE id = ?",
               account.user_id)
    return account


# The acts that ask for the admin's own password again (the table marks them `proof`),
# and the views (recorded in the admin's trail, not the account's).
PROVEN = {c.name for c in CALLS if c.proof}
VIEWS = {"admin_list_users", "admin_show_user", "admin_list_passkeys"}


def body_for(name: str, user_id: int, password: str = "", passkey_id: int = 1) -> dict:
    """A valid body; a destructive act carries the caller's own password."""
    if name in ("admin_list_users", "admin_list_providers"):
        return {}
    if "provider" in name:
        body = {"name": "someone"}
        if name == "admin_add_provider":
            body |= {"issuer": "https://id.example.org", "client_id": "c", "client_secret": "s"}
        return body | ({"current_password": password} if name in PROVEN else {})
    body: dict = {"user_id": user_id}
    if name in PROVEN:
        body["current_password"] = password
    if name == "admin_remove_passkey":
        body["passkey_id"] = passkey_id
    return body


async def add_passkey(server, user_id: int, name: str = "Phone") -> int:
    """A passkey row for the account (the admin calls only list and remove it; adding
    one through WebAuthn is tested in tests/webui)."""
    credential = uuid.uuid4().hex
    await rows(server.database_url,
               "INSERT INTO passkey (user_id, credential_id, public_key, sign_count, name, "
               "created_at) VALUES (?, ?, 'key', 0, ?, CURRENT_TIMESTAMP)",
               user_id, credential, name)
    [(passkey_id,)] = await rows(server.database_url,
                                 "SELECT id FROM passkey WHERE credential_id = ?", credential)
    return passkey_id


def test_the_admin_rows_are_the_admin_routes():
    assert len(USER_CALLS) == 13 and len(ADMIN_CALLS) == 24
    assert all(c.route.startswith("/api/admin/") == c.admin for c in CALLS)


@pytest.mark.parametrize("name", ADMIN_CALLS)
async def test_everyone_but_an_admin_is_refused(http, server, unique, name):
    plain = await verified_account(http, server, unique)
    victim = await verified_account(http, server, unique)
    before = await snapshot(server.database_url)
    refused = await call(http, server, name, body_for(name, victim.user_id, plain.password),
                       token=plain.token)
    assert refused.status == 403 and refused.body["code"] == "PERMISSION_DENIED", refused.body
    anonymous = await call(http, server, name, body_for(name, victim.user_id, "x" * 10))
    assert anonymous.status == 401
    assert await snapshot(server.database_url) == before
    assert (await call(http, server, "me", token=victim.token)).status == 200


@pytest.mark.parametrize("name", USER_CALLS)
async def test_every_admin_action_leaves_an_audit_row(http, server, unique, name):
    admin = await make_admin(http, server, unique)
    target = await verified_account(http, server, unique)
    passkey_id = await add_passkey(server, target.user_id)
    reply = await call(http, server, name,
                       body_for(name, target.user_id, admin.password, passkey_id),
                       token=admin.token)
    assert reply.status == 200, reply.body
    subject = admin if name in VIEWS else target
    details = await audit_details(server, name, subject.user_id)
    assert details and f"by {admin.username}" in details[-1]


async def test_a_disabled_account_is_logged_out_live_and_refused(http, server, unique,
                                                                 clients):
    admin = await make_admin(http, server, unique)
    target = await verified_account(http, server, unique)
    socket = await clients(server).connect(token=target.token)
    await socket.next("connected")
    disabled = await call(http, server, "admin_disable_user",
                          {"user_id": target.user_id, "current_password": admin.password},
                          token=admin.token)
    assert disabled.status == 200, disabled.body
    assert "disabled" in (await socket.next("session_revoked"))["reason"]
    await socket.disconnected.wait()
    assert (await call(http, server, "me", token=target.token)).status == 401
    login = await call(http, server, "login",
                       {"username": target.username, "password": target.password})
    assert login.status == 403 and "disabled" in login.body["error"]
    listed = await call(http, server, "admin_list_users", {"query": target.username},
                        token=admin.token)
    assert listed.body["users"][0]["disabled"] is True

    enabled = await call(http, server, "admin_enable_user", {"user_id": target.user_id},
                         token=admin.token)
    assert enabled.status == 200
    again = await call(http, server, "login",
                       {"username": target.username, "password": target.password})
    assert again.status == 200


async def test_users_are_searched_and_paged(http, server, unique):
    admin = await make_admin(http, server, unique)
    prefix = f"paged{uuid.uuid4().hex[:6]}"
    made = [await verified_account(http, server, lambda: unique(prefix), login=False)
            for _ in range(3)]
    first = await call(http, server, "admin_list_users",
                       {"query": prefix.upper(), "limit": 2}, token=admin.token)
    assert first.status == 200 and first.body["total"] == 3
    second = await call(http, server, "admin_list_users",
                        {"query": prefix, "limit": 2, "offset": 2}, token=admin.token)
    names = [u["username"] for u in first.body["users"] + second.body["users"]]
    assert names == [a.username for a in reversed(made)]  # newest first, each once
    wildcard = await call(http, server, "admin_list_users", {"query": "%"}, token=admin.token)
    assert wildcard.body["total"] == 0  # a LIKE wildcard is taken literally


async def test_users_are_paged_by_cursor(http, server, unique):
    admin = await make_admin(http, server, unique)
    prefix = f"cursor{uuid.uuid4().hex[:6]}"
    made = [await verified_account(http, server, lambda: unique(prefix), login=False)
            for _ in range(3)]
    first = await call(http, server, "admin_list_users", {"query": prefix, "limit": 2},
                       token=admin.token)
    assert first.status == 200, first.body
    assert first.body["total"] == 3 and first.body["total_kind"] == "exact"
    # PostgreSQL here has pg_trgm (the migration made its indexes); SQLite matches prefixes.
    expected = "substring" if server.database_url.startswith("postgres") else "prefix"
    assert first.body["search"] == expected
    second = await call(http, server, "admin_list_users",
                        {"query": prefix, "limit": 2, "cursor": first.body["next_cursor"]},
                        token=admin.token)
    assert second.body["next_cursor"] is None
    names = [u["username"] for u in first.body["users"] + second.body["users"]]
    assert names == [a.username for a in reversed(made)]  # newest first, each once
    everyone = await call(http, server, "admin_list_users", {"limit": 1}, token=admin.token)
    assert everyone.body["total_kind"] == "exact" and everyone.body["next_cursor"]


@pytest.mark.parametrize(("body", "field"), [
    ({"cursor": "5", "offset": 10}, None),
    ({"cursor": "abc"}, "cursor"),
    ({"cursor": "0"}, "cursor"),
    ({"cursor": "9" * 20}, "cursor"),
    ({"cursor": 5}, "cursor"),
])
async def test_a_bad_cursor_is_refused(http, server, unique, body, field):
    admin = await make_admin(http, server, unique)
    before = await snapshot(server.database_url)
    refused = await call(http, server, "admin_list_users", body, token=admin.token)
    assert refused.status == 400 and refused.body["code"] == "INVALID_ARGUMENT", refused.body
    assert refused.body.get("field") == field
    assert await snapshot(server.database_url) == before


async def test_one_user_in_detail(http, server, unique):
    admin = await make_admin(http, server, unique)
    enrolled = await enrolled_account(http, server, unique)
    shown = await call(http, server, "admin_show_user", {"user_id": enrolled.account.user_id},
                       token=admin.token)
    assert shown.status == 200, shown.body
    detail = shown.body
    assert detail["user"]["username"] == enrolled.account.username
    assert detail["user"]["totp"] is True and detail["user"]["role"] == "user"
    assert detail["recovery_codes_left"] == 10 and detail["passkeys"] == 0
    assert len(detail["sessions"]) == 1 and detail["last_login_at"]
    assert {"totp_enabled", "login_success", "signup"} <= {e["event"] for e in detail["events"]}
    missing = await call(http, server, "admin_show_user", {"user_id": 2**31 - 1},
                         token=admin.token)
    assert missing.status == 404 and missing.body["field"] == "user_id"


async def test_second_factors_reset_verify_end_sessions_and_delete(http, server, unique):
    admin = await make_admin(http, server, unique)
    enrolled = await enrolled_account(http, server, unique)
    target = enrolled.account
    reset = await call(http, server, "admin_reset_second_factors",
                       {"user_id": target.user_id, "current_password": admin.password},
                       token=admin.token)
    assert reset.status == 200, reset.body
    assert await mail(server, target.email, "Two-step login was turned off")
    login = await call(http, server, "login",
                       {"username": target.username, "password": target.password})
    assert login.status == 200 and login.body["token"]

    ended = await call(http, server, "admin_end_sessions", {"user_id": target.user_id},
                       token=admin.token)
    assert ended.status == 200 and "Ended 2 sessions" in ended.body["message"]
    assert (await call(http, server, "me", token=login.body["token"])).status == 401

    await rows(server.database_url, "UPDATE \"user\" SET is_verified = ? WHERE id = ?",
               False, target.user_id)
    unverified = await call(http, server, "login",
                            {"username": target.username, "password": target.password})
    assert unverified.status == 403
    verified = await call(http, server, "admin_verify_user", {"user_id": target.user_id},
                          token=admin.token)
    assert verified.status == 200
    assert (await call(http, server, "login", {"username": target.username,
                                                "password": target.password})).status == 200

    deleted = await call(http, server, "admin_delete_user",
                         {"user_id": target.user_id, "current_password": admin.password},
                         token=admin.token)
    assert deleted.status == 200
    assert not await rows(server.database_url, "SELECT id FROM \"user\" WHERE id = ?",
                          target.user_id)
    again = await call(http, server, "admin_delete_user",
                       {"user_id": target.user_id, "current_password": admin.password},
                       token=admin.token)
    assert again.status == 404


@pytest.mark.parametrize("name", ["admin_disable_user", "admin_delete_user"])
async def test_an_admin_does_not_disable_or_delete_themselves(http, server, unique, name):
    admin = await make_admin(http, server, unique)
    before = await snapshot(server.database_url)
    refused = await call(http, server, name,
                         {"user_id": admin.user_id, "current_password": admin.password},
                         token=admin.token)
    assert refused.status == 400 and refused.body["code"] == "FAILED_PRECONDITION"
    assert await snapshot(server.database_url) == before
    assert (await call(http, server, "me", token=admin.token)).status == 200
