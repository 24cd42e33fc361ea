"""The third version's admin acts on the API, on both backends: the admin role given and
taken (never one's own, never the last admin's, only with the admin's password), an
account's passkeys listed and removed, reset two-step with passkeys, an address marked
unverified; and an admin's views kept out of the account's event list."""

from contracts import Status
from tests.admin.test_admin_api import add_passkey, make_admin
from tests.lifecycle.support import audit_details, rows
from tests.support.api import call, verified_account
from tests.support.databases import snapshot


async def _role(server, user_id: int) -> str:
    [(role,)] = await rows(server.database_url, 'SELECT role FROM "user" WHERE id = ?', user_id)
    return role


async def test_the_admin_role_is_given_and_taken_with_the_admins_password(http, server, unique):
    admin = await make_admin(http, server, unique)
    other = await verified_account(http, server, unique)
    before = await snapshot(server.database_url)
    wrong = await call(http, server, "admin_grant_admin",
                       {"user_id": other.user_id, "current_password": "not the password"},
                       token=admin.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password", wrong.body
    missing = await call(http, server, "admin_grant_admin", {"user_id": other.user_id},
                         token=admin.token)
    assert missing.status == 400 and missing.body["field"] == "current_password"
    assert await snapshot(server.database_url) == before

    granted = await call(http, server, "admin_grant_admin",
                         {"user_id": other.user_id, "current_password": admin.password},
                         token=admin.token)
    assert granted.status == 200 and "now an admin" in granted.body["message"]
    assert await _role(server, other.user_id) == "admin"
    # The new admin's own session may act at once (the cached role is forgotten).
    listed = await call(http, server, "admin_list_users", {}, token=other.token)
    assert listed.status == 200, listed.body
    assert f"by {admin.username}" in (await audit_details(
        server, "admin_grant_admin", other.user_id))[-1]

    revoked = await call(http, server, "admin_revoke_admin",
                         {"user_id": other.user_id, "current_password": admin.password},
                         token=admin.token)
    assert revoked.status == 200 and "no longer an admin" in revoked.body["message"]
    assert (await call(http, server, "admin_list_users", {}, token=other.token)).status == 403
    assert await audit_details(server, "admin_revoke_admin", other.user_id)


async def test_an_admin_cannot_take_their_own_role(http, server, unique):
    admin = await make_admin(http, server, unique)
    await make_admin(http, server, unique)  # not the last admin: still refused
    own = await call(http, server, "admin_revoke_admin",
                     {"user_id": admin.user_id, "current_password": admin.password},
                     token=admin.token)
    assert own.body["code"] == Status.FAILED_PRECONDITION.value, own.body
    assert "your own" in own.body["error"]
    assert await _role(server, admin.user_id) == "admin"
    assert not await audit_details(server, "admin_revoke_admin", admin.user_id, timeout=0.3)


async def test_passkeys_are_listed_and_removed_and_reset_can_remove_them(http, server, unique):
    admin = await make_admin(http, server, unique)
    target = await verified_account(http, server, unique)
    phone = await add_passkey(server, target.user_id, "Phone")
    laptop = await add_passkey(server, target.user_id, "Laptop")
    listed = await call(http, server, "admin_list_passkeys", {"user_id": target.user_id},
                        token=admin.token)
    assert [p["name"] for p in listed.body["passkeys"]] == ["Phone", "Laptop"]

    wrong = await call(http, server, "admin_remove_passkey",
                       {"user_id": target.user_id, "passkey_id": phone,
                        "current_password": "not the password"}, token=admin.token)
    assert wrong.status == 400 and wrong.body["field"] == "current_password"
    other = await verified_account(http, server, unique)
    not_theirs = await call(http, server, "admin_remove_passkey",
                            {"user_id": other.user_id, "passkey_id": phone,
                             "current_password": admin.password}, token=admin.token)
    assert not_theirs.status == 404 and not_theirs.body["field"] == "passkey_id"
    removed = await call(http, server, "admin_remove_passkey",
                         {"user_id": target.user_id, "passkey_id": phone,
                          "current_password": admin.password}, token=admin.token)
    assert removed.status == 200, removed.body
    mine = await call(http, server, "list_passkeys", token=target.token)
    assert [p["id"] for p in mine.body["passkeys"]] == [laptop]
    assert (await audit_details(server, "admin_remove_passkey", target.user_id))[-1].endswith(
        f"passkey {phone}")

    kept = await call(http, server, "admin_reset_second_factors",
                      {"user_id": target.user_id, "current_password": admin.password},
                      token=admin.token)
    assert kept.status == 200
    assert len((await call(http, server, "list_passkeys", token=target.token)).body[
        "passkeys"]) == 1
    reset = await call(http, server, "admin_reset_second_factors",
                       {"user_id": target.user_id, "passkeys": True,
                        "current_password": admin.password}, token=admin.token)
    assert reset.status == 200 and "passkeys are removed" in reset.body["message"]
    assert (await call(http, server, "list_passkeys", token=target.token)).body[
        "passkeys"] == []
    assert (await audit_details(server, "admin_reset_second_factors", target.user_id))[
        -1].endswith("passkeys too")


async def test_an_address_marked_unverified_is_proved_again_and_stays_its_owners(
        http, server, unique):
    admin = await make_admin(http, server, unique)
    target = await verified_account(http, server, unique)
    marked = await call(http, server, "admin_unverify_user", {"user_id": target.user_id},
                        token=admin.token)
    assert marked.status == 200, marked.body
    login = await call(http, server, "login",
                       {"username": target.username, "password": target.password})
    assert login.status == 403, login.body
    # Nobody else's sign-up takes the account's place, by address or by name.
    squatter = await call(http, server, "signup", {
        "username": target.username, "email": target.email, "password": "another long one"})
    assert squatter.status == 409, squatter.body
    assert (await call(http, server, "resend_verification", {"email": target.email})).status == 200
    code = await server.acode_for(target.email, count=2)  # the sign-up's was the first
    verified = await call(http, server, "verify_email", {"email": target.email, "code": code})
    assert verified.status == 200, verified.body
    again = await call(http, server, "login",
                       {"username": target.username, "password": target.password})
    assert again.status == 200 and again.body["user"]["id"] == target.user_id
    assert await audit_details(server, "admin_unverify_user", target.user_id)


async def test_an_admins_views_stay_out_of_the_accounts_events(http, server, unique):
    admin = await make_admin(http, server, unique)
    target = await verified_account(http, server, unique)
    for name in ("admin_show_user", "admin_list_passkeys"):
        reply = await call(http, server, name, {"user_id": target.user_id}, token=admin.token)
        assert reply.status == 200, reply.body
    detail = await call(http, server, "admin_show_user", {"user_id": target.user_id},
                        token=admin.token)
    assert not [e for e in detail.body["events"] if e["event"].startswith("admin_")]
    [(count,)] = await rows(server.database_url,
                            "SELECT COUNT(*) FROM audit_event WHERE user_id = ? AND event LIKE "
                            "'admin%'", target.user_id)
    assert count == 0
    views = await audit_details(server, "admin_show_user", admin.user_id)
    assert len(views) == 2 and f"{target.username} (id {target.user_id})" in views[-1]
