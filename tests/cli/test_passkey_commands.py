"""authcli's passkey commands, a real process against the real server: list, rename,
remove (adding one needs a browser: tests/webui)."""

import sqlite3
import uuid


def _add_passkey(server, user_id: int, name: str) -> int:
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as connection:
        cursor = connection.execute(
            "INSERT INTO passkey (user_id, credential_id, public_key, sign_count, name, "
            "created_at) VALUES (?, ?, 'key', 0, ?, CURRENT_TIMESTAMP)",
            (user_id, uuid.uuid4().hex, name))
        passkey_id = cursor.lastrowid
    connection.close()
    return passkey_id


def test_a_passkey_is_listed_renamed_and_removed(authcli, any_server):
    account = authcli.signup_verified(any_server, "keys")
    assert authcli.login(account).code == 0
    user_id = authcli("--json", "whoami").json()["id"]
    passkey_id = _add_passkey(any_server, user_id, "Passkey")
    listed = authcli("passkeys")
    assert listed.code == 0 and f"{passkey_id:<5}Passkey" in listed.out
    renamed = authcli("passkey-rename", str(passkey_id), "Work laptop")
    assert renamed.code == 0, renamed.err
    assert f"Passkey {passkey_id} is now called 'Work laptop'." in renamed.out
    assert [p["name"] for p in authcli("--json", "passkeys").json()["passkeys"]] == [
        "Work laptop"]
    blank = authcli("passkey-rename", str(passkey_id), "  ")
    assert blank.code == 1 and "name" in blank.err
    other = authcli("passkey-rename", str(passkey_id + 1000), "Nope")
    assert other.code == 1 and "no passkey with that id" in other.err
    assert authcli("passkey-remove", str(passkey_id)).code == 0
    assert authcli("--json", "passkeys").json()["passkeys"] == []
