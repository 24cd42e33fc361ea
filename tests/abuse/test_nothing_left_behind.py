"""Old state that must not live on, and nothing readable that should not be (issue 28):
a deleted account's id is never given to a newcomer, who would inherit its limits,
device cookie and audit history; no live code in the database files; failed mail blanked
and mail going with its account; exports and database files the owner's alone."""

import stat
from pathlib import Path

from peewee import SqliteDatabase

from authserver.store.migrations import migrate
from authserver.store.models import database_proxy
from tests.admin.test_admin_api import make_admin
from tests.lifecycle.support import code as mailed_code
from tests.support.api import call, verified_account
from tests.support.server import run_authserver


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


def _database_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(file.read_bytes() for file in
                    (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if file.exists())


async def test_no_live_code_can_be_read_from_the_database_files(http, start_server, unique):
    """The outbox row holds its code sealed, and the WAL holds what the row held."""
    server = start_server()
    account = await verified_account(http, server, unique, login=False)
    assert (await call(http, server, "forgot_password", {"email": account.email})).status == 200
    code = await mailed_code(server, account.email, "reset")
    stored = _database_bytes(server.database_url)
    assert code.encode() not in stored
    assert b"password reset code" not in stored


def _made_database(path: Path) -> dict[str, str]:
    """An up-to-date database at `path`; the environment of commands that use it."""
    database = SqliteDatabase(str(path))
    database_proxy.initialize(database)
    with database:
        migrate(False)
    return {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "s" * 32}


def test_an_export_is_a_new_file_only_its_owner_reads(tmp_path):
    env = _made_database(tmp_path / "auth.db")
    target = tmp_path / "export.jsonl"
    target.write_text("old\n")
    target.chmod(0o644)
    exported = run_authserver(env, "db", "export", str(target))
    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() != "old\n"


def test_database_files_others_could_read_are_closed_at_start(tmp_path):
    database = tmp_path / "auth.db"
    env = _made_database(database)
    database.chmod(0o644)  # as the first release left it
    again = run_authserver(env, "users", "list")
    assert again.returncode == 0, again.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert "readable by others" in again.stderr and "0600" in again.stderr
