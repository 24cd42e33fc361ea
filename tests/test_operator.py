"""The operator's commands: `authserver users create | list | delete` on a real database."""

import stat
import subprocess

import aiohttp

from contracts.fields import FIELD_RULES
from tests.support.api import call
from tests.support.server import TEST_SECRET, run_authserver


def users(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "BCRYPT_ROUNDS": "4"}
    return run_authserver(env, "users", *args, stdin=stdin)


async def test_accounts_made_in_bulk_can_log_in_and_their_file_is_private(
        start_server, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bulk.db'}"
    credentials = tmp_path / "accounts.csv"
    made = users(database_url, "create", "--count", "3", "--prefix", "bulk", "--out",
                 str(credentials))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    rows = [line.split(",") for line in credentials.read_text().splitlines()]
    assert [row[0] for row in rows] == ["bulk0", "bulk1", "bulk2"]
    server = start_server(database_url=database_url)
    async with aiohttp.ClientSession() as http:
        reply = await call(http, server, "login", {"username": rows[1][0], "password": rows[1][2]})
    assert reply.status == 200 and reply.body["user"]["username"] == "bulk1"


def test_create_list_delete_one_account(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'one.db'}"
    created = users(database_url, "create", "--username", "Grace", "--email",
                    "grace@example.com", "--password-stdin", "--verified",
                    stdin="a long enough password\n")
    assert created.returncode == 0, created.stderr
    again = users(database_url, "create", "--username", "grace", "--email",
                  "other@example.com", "--password-stdin", stdin="a long enough password\n")
    assert again.returncode == 1 and "already taken" in again.stderr
    listed = users(database_url, "list").stdout.splitlines()
    assert len(listed) == 1 and listed[0].split("\t")[1:4] == [
        "Grace", "grace@example.com", "verified"]
    assert users(database_url, "delete", "--username", "GRACE").returncode == 0
    assert users(database_url, "list").stdout == ""
    missing = users(database_url, "delete", "--username", "grace")
    assert missing.returncode == 1 and "no user called grace" in missing.stderr


def test_a_bad_value_is_refused_in_the_servers_words(tmp_path):
    refused = users(f"sqlite:///{tmp_path / 'bad.db'}", "create", "--count", "2",
                    "--prefix", "x")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == f"users create: {FIELD_RULES['username']}"
    assert "Traceback" not in refused.stderr


def test_an_unreachable_database_is_one_line_not_a_traceback():
    refused = users("postgresql://bob:hunter2@127.0.0.1:1/nowhere", "list")
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("authserver: postgresql://bob:***@127.0.0.1:1/nowhere: ")
    assert "hunter2" not in refused.stderr and "Traceback" not in refused.stderr
