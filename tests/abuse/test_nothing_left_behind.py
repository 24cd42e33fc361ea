"""Old state that must not live on (issue 28): a deleted account's id is never given to
a newcomer, who would inherit its limits, device cookie and audit history."""

from tests.admin.test_admin_api import make_admin
from tests.support.api import call, verified_account


async def test_a_newcomer_never_gets_a_deleted_accounts_id(http, server, unique):
    admin = await make_admin(http, server, unique)
    leaver = await verified_account(http, server, unique)
    for _ in range(3):  # some history on the leaver's id
        await call(http, server, "login", {"username": leaver.username, "password": "wrong!!!!"})
    deleted = await call(http, server, "delete_account",
                         {"current_password": leaver.password}, token=leaver.token)
    assert deleted.status == 200, deleted.body
    newcomer = await verified_account(http, server, unique)
    assert newcomer.user_id > leaver.user_id
    shown = await call(http, server, "admin_show_user", {"user_id": newcomer.user_id},
                       token=admin.token)
    assert shown.status == 200, shown.body
    assert {event["event"] for event in shown.body["events"]} <= {
        "signup", "verify", "login_success"}, shown.body["events"]
