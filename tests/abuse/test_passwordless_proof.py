"""An account with no password (made through an outside provider, or passkey-only)
proves itself for a credential change with a fresh passkey assertion or a code from its
authenticator app instead of the current password (issue 28); a session alone still
changes nothing, and a used or another account's assertion proves nothing."""

from tests.abuse.test_proof_of_the_owner import passkey_count, register
from tests.lifecycle.support import mail, rows
from tests.support.api import call, verified_account
from tests.support.authenticator import SoftPasskey
from tests.support.databases import snapshot
from tests.twofactor.support import enrolled_account


async def without_password(server, account) -> None:
    """Leave the account with no password, as a sign-in through a provider makes it."""
    await rows(server.database_url, "UPDATE \"user\" SET password_hash = '' WHERE id = ?",
               account.user_id)


async def passkey_only(http, server, unique):
    """A signed-in account whose only way in is a passkey: the account and its key."""
    account = await verified_account(http, server, unique)
    key = SoftPasskey(server.url)
    added = await register(http, server, account, key, current_password=account.password)
    assert added.status == 200, added.body
    await without_password(server, account)
    return account, key


async def assertion(http, server, account, key: SoftPasskey) -> dict:
    started = await call(http, server, "passkey_proof_options", token=account.token)
    assert started.status == 200, started.body
    return {"ceremony": started.body["ceremony"],
            "credential": key.assert_(started.body["options"])}


async def test_a_passkey_assertion_proves_an_account_with_no_password(http, server, unique):
    account, key = await passkey_only(http, server, unique)
    before = await snapshot(server.database_url)
    for proof in ({}, {"current_password": "any password at all"}):
        bare = await call(http, server, "totp_enrol", proof, token=account.token)
        assert bare.status == 400 and bare.body["field"] == "passkey", bare.body
    assert await snapshot(server.database_url) == before

    proof = await assertion(http, server, account, key)
    enrolled = await call(http, server, "totp_enrol", {"passkey": proof}, token=account.token)
    assert enrolled.status == 200 and enrolled.body["secret"], enrolled.body
    used = await call(http, server, "totp_enrol", {"passkey": proof}, token=account.token)
    assert used.status == 400 and used.body["field"] == "passkey", used.body

    second = SoftPasskey(server.url)
    added = await register(http, server, account, second,
                           passkey=await assertion(http, server, account, key))
    assert added.status == 200, added.body
    assert await passkey_count(server, account.user_id) == 2
    assert await mail(server, account.email, "a passkey")

    _, new_email = unique()
    moved = await call(http, server, "change_email", {
        "new_email": new_email, "passkey": await assertion(http, server, account, second)},
        token=account.token)
    assert moved.status == 200, moved.body


async def test_another_accounts_passkey_proves_nothing(http, server, unique):
    account, _ = await passkey_only(http, server, unique)
    other, other_key = await passkey_only(http, server, unique)
    # The other's own ceremony is bound to the other: refused.
    theirs = await assertion(http, server, other, other_key)
    refused = await call(http, server, "delete_account", {"passkey": theirs},
                         token=account.token)
    assert refused.status == 400 and refused.body["field"] == "passkey", refused.body
    # The account's own ceremony, answered by the other's key: refused.
    started = await call(http, server, "passkey_proof_options", token=account.token)
    forged = {"ceremony": started.body["ceremony"],
              "credential": other_key.assert_(started.body["options"])}
    refused = await call(http, server, "delete_account", {"passkey": forged},
                         token=account.token)
    assert refused.status == 400 and refused.body["field"] == "passkey", refused.body
    assert (await rows(server.database_url, "SELECT id FROM \"user\" WHERE id = ?",
                       account.user_id))


async def test_a_passkey_proof_needs_a_passkey(http, server, unique):
    account = await verified_account(http, server, unique)
    await without_password(server, account)
    none = await call(http, server, "passkey_proof_options", token=account.token)
    assert none.status == 400 and none.body["code"] == "FAILED_PRECONDITION", none.body


async def test_with_two_step_on_a_code_proves_an_account_with_no_password(http, server,
                                                                         unique):
    enrolled = await enrolled_account(http, server, unique)
    account, app = enrolled.account, enrolled.app
    key = SoftPasskey(server.url)
    await without_password(server, account)
    # A passkey is added with a code alone (no password to give) ...
    added = await register(http, server, account, key, code=await app.code())
    assert added.status == 200, added.body
    # ... new recovery codes need a code even with a passkey ...
    alone = await call(http, server, "regenerate_recovery_codes",
                       {"passkey": await assertion(http, server, account, key)},
                       token=account.token)
    assert alone.status == 400 and alone.body["field"] == "code", alone.body
    fresh = await call(http, server, "regenerate_recovery_codes",
                       {"recovery_code": enrolled.recovery_codes[0]}, token=account.token)
    assert fresh.status == 200 and len(fresh.body["recovery_codes"]) == 10, fresh.body
    # ... and a code turns two-step login off.
    off = await call(http, server, "totp_disable", {"code": await app.code()},
                     token=account.token)
    assert off.status == 200, off.body
    gone = await call(http, server, "delete_account",
                      {"passkey": await assertion(http, server, account, key)},
                      token=account.token)
    assert gone.status == 200, gone.body


async def test_an_account_with_a_password_still_gives_it(http, server, unique):
    account = await verified_account(http, server, unique)
    key = SoftPasskey(server.url)
    assert (await register(http, server, account, key,
                           current_password=account.password)).status == 200
    proof = await assertion(http, server, account, key)
    refused = await call(http, server, "delete_account", {"passkey": proof},
                         token=account.token)
    assert refused.status == 400 and refused.body["field"] == "current_password", refused.body
