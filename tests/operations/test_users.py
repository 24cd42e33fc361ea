"""The operator's account commands: `authserver users create | list | delete |
grant-admin` and `authserver audit`, on real databases, each leaving audit rows."""

import asyncio
import json
import sqlite3
import stat

import aiohttp
import pytest

from contracts.fields import FIELD_RULES
from tests.support import databases
from tests.support.api import call

PASSWORD = "a long enough password\n"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'operator.db'}"


async def test_accounts_made_in_bulk_can_log_in_and_their_file_is_private(
        start_server, authserver, tmp_path, sqlite_url):
    credentials = tmp_path / "accounts.csv"
    made = authserver(sqlite_url, "users", "create", "--count", "3", "--prefix", "bulk",
                      "--out", str(credentials))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    rows = [line.split(",") for line in credentials.read_text().splitlines()]
    assert [row[0] for row in rows] == ["bulk0", "bulk1", "bulk2"]
    with sqlite3.connect(tmp_path / "operator.db") as connection:  # nobody is mailed a code
        assert connection.execute("SELECT COUNT(*) FROM outbox_mail").fetchone() == (0,)
    connection.close()
    server = start_server(database_url=sqlite_url)
    async with aiohttp.ClientSession() as http:
        reply = await call(http, server, "login", {"username": rows[1][0], "password": rows[1][2]})
    assert reply.status == 200 and reply.body["user"]["username"] == "bulk1"


def test_count_without_out_is_refused_and_creates_nothing(authserver, sqlite_url):
    refused = authserver(sqlite_url, "users", "create", "--count", "2", "--prefix", "x")
    assert refused.returncode == 2
    assert "--count needs --out" in refused.stderr
    assert authserver(sqlite_url, "users", "list").stdout == ""


def test_a_taken_name_in_bulk_is_named_and_nothing_is_created(authserver, sqlite_url, tmp_path):
    one = authserver(sqlite_url, "users", "create", "--username", "team1", "--email",
                     "someone@example.com", "--password-stdin", stdin=PASSWORD)
    assert one.returncode == 0, one.stderr
    bulk = authserver(sqlite_url, "users", "create", "--count", "3", "--prefix", "team",
                      "--out", str(tmp_path / "team.csv"))
    assert bulk.returncode == 1
    assert bulk.stderr.splitlines()[-1] == (
        "users create: already taken, nothing created: team1 (username)")
    listed = authserver(sqlite_url, "users", "list").stdout.splitlines()
    assert [line.split("\t")[1] for line in listed] == ["team1"]


def test_a_bad_value_is_refused_in_the_servers_words(authserver, sqlite_url, tmp_path):
    refused = authserver(sqlite_url, "users", "create", "--count", "2", "--prefix", "x",
                         "--out", str(tmp_path / "x.csv"))
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == f"users create: {FIELD_RULES['username']}"


def test_the_password_policy_of_sign_up_applies(authserver, sqlite_url):
    weak = authserver(sqlite_url, "users", "create", "--username", "policy", "--email",
                      "policy@example.com", "--password-stdin", stdin="password123\n")
    assert weak.returncode == 1
    assert "common" in weak.stderr.splitlines()[-1].lower()
    named = authserver(sqlite_url, "users", "create", "--username", "policyname", "--email",
                       "p@example.com", "--password-stdin", stdin="policyname-secret\n")
    assert named.returncode == 1
    assert authserver(sqlite_url, "users", "list").stdout == ""


async def test_an_unverified_account_is_mailed_its_code(start_server, authserver, mailbox,
                                                        sqlite_url, unique):
    username, email = unique("mailed")
    made = authserver(sqlite_url, "users", "create", "--username", username, "--email", email,
                      "--password-stdin", stdin=PASSWORD, SMTP_SERVER="127.0.0.1",
                      SMTP_PORT=str(mailbox.port), SMTP_SECURITY="none")
    assert made.returncode == 0, made.stderr
    assert f"mailed to {email}" in made.stdout
    code = await mailbox.acode_for(email)
    server = start_server(database_url=sqlite_url)
    async with aiohttp.ClientSession() as http:
        verified = await call(http, server, "verify_email", {"email": email, "code": code})
        assert verified.status == 200, verified.body
        login = await call(http, server, "login",
                           {"username": username, "password": PASSWORD.strip()})
    assert login.status == 200


@pytest.mark.parametrize("reference", ["Grace", "GRACE@example.com", "id", "--username"])
def test_delete_takes_a_username_an_email_or_an_id(authserver, sqlite_url, reference):
    created = authserver(sqlite_url, "users", "create", "--username", "Grace", "--email",
                         "grace@example.com", "--password-stdin", "--verified", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    user_id = authserver(sqlite_url, "users", "list").stdout.split("\t")[0]
    given = {"id": ["--id", user_id], "--username": ["--username", "grace"]}.get(
        reference, [reference])
    deleted = authserver(sqlite_url, "users", "delete", *given)
    assert deleted.returncode == 0, deleted.stderr
    assert authserver(sqlite_url, "users", "list").stdout == ""
    missing = authserver(sqlite_url, "users", "delete", *given)
    assert missing.returncode == 1 and "no account has" in missing.stderr


def test_list_shows_state_role_and_times_with_their_zone(authserver, sqlite_url):
    authserver(sqlite_url, "users", "create", "--username", "Grace", "--email",
               "grace@example.com", "--password-stdin", "--verified", stdin=PASSWORD)
    again = authserver(sqlite_url, "users", "create", "--username", "grace", "--email",
                       "other@example.com", "--password-stdin", stdin=PASSWORD)
    assert again.returncode == 1 and "Grace (username)" in again.stderr
    [line] = authserver(sqlite_url, "users", "list").stdout.splitlines()
    fields = line.split("\t")
    assert fields[1:5] == ["Grace", "grace@example.com", "verified", "user"]
    assert fields[5].endswith(" UTC")
    granted = authserver(sqlite_url, "users", "grant-admin", "grace")
    assert granted.returncode == 0, granted.stderr
    [row] = [json.loads(text) for text in
             authserver(sqlite_url, "users", "list", "--json").stdout.splitlines()]
    assert row["role"] == "admin" and row["verified"] is True
    assert row["created_at"].endswith("Z")


def test_an_admin_can_be_made_at_creation(authserver, sqlite_url):
    made = authserver(sqlite_url, "users", "create", "--username", "root1", "--email",
                      "root1@example.com", "--password-stdin", "--verified", "--admin",
                      stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    assert authserver(sqlite_url, "users", "list").stdout.split("\t")[4] == "admin"


def test_operator_actions_are_audited_with_the_os_user(authserver, sqlite_url, os_user):
    authserver(sqlite_url, "users", "create", "--username", "audited", "--email",
               "audited@example.com", "--password-stdin", "--verified", stdin=PASSWORD)
    authserver(sqlite_url, "users", "grant-admin", "audited")
    authserver(sqlite_url, "users", "delete", "audited")
    shown = authserver(sqlite_url, "audit", "--json")
    assert shown.returncode == 0, shown.stderr
    events = [json.loads(text) for text in shown.stdout.splitlines()]
    assert [event["event"] for event in events] == [
        "signup", "verified_by_operator", "admin_granted", "account_deleted"]
    assert {event["detail"] for event in events} == {f"operator {os_user}"}
    assert all(event["time"].endswith("Z") for event in events)
    text = authserver(sqlite_url, "audit").stdout.splitlines()
    assert text[0].split("\t")[0].endswith(" UTC")


def test_read_only_commands_refuse_a_missing_database_and_write_nothing(authserver, tmp_path):
    for command in (("users", "list"), ("audit",), ("db", "export", "out.jsonl")):
        refused = authserver(None, *command, cwd=tmp_path, SECRET_KEY=None)
        assert refused.returncode == 1, command
        assert refused.stderr.strip() == (
            f"authserver: no database at {tmp_path / 'auth.db'}: run this where the "
            "server's database is, or set DATABASE_URL")
    assert list(tmp_path.iterdir()) == []


def test_every_command_names_its_database(authserver, tmp_path):
    made = authserver(None, "users", "create", "--username", "named", "--email",
                      "named@example.com", "--password-stdin", stdin=PASSWORD, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert f"database: sqlite:///{tmp_path / 'auth.db'}" in made.stderr.splitlines()
    listed = authserver(None, "users", "list", cwd=tmp_path)
    assert listed.stderr.splitlines()[0] == f"database: sqlite:///{tmp_path / 'auth.db'}"


def test_a_missing_postgresql_database_is_said_not_to_exist(authserver, postgres_reachable):
    from tests.need import need

    need(postgres_reachable, f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
    url = databases.POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/authserver_no_such_database"
    refused = authserver(url, "users", "list")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        f"authserver: {url}: The database does not exist: create it, or fix DATABASE_URL.")


def test_a_database_from_before_roles_gets_the_role_column(authserver, tmp_path, sqlite_url):
    # A database of the first release (its own DDL, saved from it) with one account.
    asyncio.run(databases.load_first_release_schema(sqlite_url, """
        INSERT INTO "user" (username, username_key, email, email_key, password_hash,
                            is_verified, verification_attempts, created_at)
            VALUES ('older', 'older', 'older@example.com', 'older@example.com',
                    '$2b$04$x', 1, 0, '2026-11-01 10:00:00');
    """))
    listed = authserver(sqlite_url, "users", "list")
    assert listed.returncode == 0, listed.stderr
    assert "v5_user_role" in listed.stderr
    assert listed.stdout.split("\t")[1:5] == ["older", "older@example.com", "verified", "user"]


async def test_the_admin_acts_from_the_shell_reach_a_running_server(
        start_server, authserver, sqlite_url, os_user, unique):
    """disable, enable, end-sessions, verify and reset-factors on a server's database:
    what they change is what the server then answers, and each leaves an audit row."""
    username, email = unique("acted")
    made = authserver(sqlite_url, "users", "create", "--username", username, "--email", email,
                      "--password-stdin", "--verified", stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    server = start_server(database_url=sqlite_url)
    credentials = {"username": username, "password": PASSWORD.strip()}
    async with aiohttp.ClientSession() as http:
        token = (await call(http, server, "login", credentials)).body["token"]

        disabled = authserver(sqlite_url, "users", "disable", username)
        assert disabled.returncode == 0, disabled.stderr
        assert "1 session(s) ended" in disabled.stdout
        refused = await call(http, server, "login", credentials)
        assert refused.status == 403, refused.body
        assert (await until_status(http, server, token, 401)) == 401

        assert authserver(sqlite_url, "users", "enable", email).returncode == 0
        token = (await call(http, server, "login", credentials)).body["token"]
        ended = authserver(sqlite_url, "users", "end-sessions", username)
        assert ended.returncode == 0 and "ended 1 session(s)" in ended.stdout
        assert (await until_status(http, server, token, 401)) == 401

        unverified, address = unique("waiting")
        signup = await call(http, server, "signup", {"username": unverified, "email": address,
                                                     "password": PASSWORD.strip()})
        assert signup.status == 201
        assert authserver(sqlite_url, "users", "verify", unverified).returncode == 0
        login = await call(http, server, "login",
                           {"username": unverified, "password": PASSWORD.strip()})
        assert login.status == 200, login.body

    reset = authserver(sqlite_url, "users", "reset-factors", username)
    assert reset.returncode == 0 and "had no second factor" in reset.stdout
    missing = authserver(sqlite_url, "users", "disable", "nobody-at-all")
    assert missing.returncode == 1 and "nobody-at-all" in missing.stderr
    events = [json.loads(text) for text in
              authserver(sqlite_url, "audit", "--json").stdout.splitlines()]
    acted = [(event["event"], event["detail"]) for event in events
             if event["event"].startswith("admin_")]
    assert acted == [(name, f"operator {os_user}") for name in (
        "admin_disable_user", "admin_enable_user", "admin_end_sessions",
        "admin_verify_user", "admin_reset_second_factors")]


async def until_status(http, server, token: str, status: int, within: float = 3.0) -> int:
    """The status of /api/me with `token` once it is `status` (sessions may be cached for
    up to half a second in the server), or the last one seen after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        seen = (await call(http, server, "me", token=token)).status
        if seen == status or asyncio.get_running_loop().time() > deadline:
            return seen
        await asyncio.sleep(0.05)


def test_list_pages_searches_and_continues_from_a_cursor(authserver, sqlite_url, tmp_path):
    made = authserver(sqlite_url, "users", "create", "--count", "3", "--prefix", "lister",
                      "--out", str(tmp_path / "lister.csv"))
    assert made.returncode == 0, made.stderr
    authserver(sqlite_url, "users", "create", "--username", "other", "--email",
               "other@example.com", "--password-stdin", "--verified", stdin=PASSWORD)
    first = authserver(sqlite_url, "users", "list", "--query", "LISTER", "--limit", "2")
    shown = [line.split("\t") for line in first.stdout.splitlines()]
    said = first.stderr.strip().splitlines()[-1]
    assert len(shown) == 2 and said.startswith("more after: --cursor"), first.stderr
    cursor = said.rsplit(" ", 1)[1]
    rest = authserver(sqlite_url, "users", "list", "--query", "lister", "--cursor", cursor)
    shown += [line.split("\t") for line in rest.stdout.splitlines()]
    assert "more after" not in rest.stderr
    assert {row[1] for row in shown} == {"lister0", "lister1", "lister2"}
    ids = [int(row[0]) for row in shown]
    assert ids == sorted(ids, reverse=True)  # newest first, each once
    everyone = authserver(sqlite_url, "users", "list").stdout.splitlines()
    assert len(everyone) == 4 and everyone[0].split("\t")[1] == "other"
    refused = authserver(sqlite_url, "users", "list", "--cursor", "x1")
    assert refused.returncode == 2 and "cursor" in refused.stderr


def test_a_bare_number_is_never_taken_for_an_id(authserver, sqlite_url):
    """`users disable 0048` acted on the account with id 48 (issue 28): a word made of
    digits is refused as ambiguous, ids go with --id, and the name with --username."""
    for name in ("0048", "victim"):
        made = authserver(sqlite_url, "users", "create", "--username", name, "--email",
                          f"{name}@example.com", "--password-stdin", "--verified",
                          stdin=PASSWORD)
        assert made.returncode == 0, made.stderr
    listed = dict(line.split("\t")[1::-1] for line in
                  authserver(sqlite_url, "users", "list").stdout.splitlines())
    ambiguous = authserver(sqlite_url, "users", "disable", listed["victim"])
    assert ambiguous.returncode == 2 and "--id" in ambiguous.stderr
    assert authserver(sqlite_url, "users", "disable", "0048").returncode == 2
    by_name = authserver(sqlite_url, "users", "disable", "--username", "0048")
    assert by_name.returncode == 0 and "0048 is disabled" in by_name.stdout
    by_id = authserver(sqlite_url, "users", "enable", "--id", listed["0048"])
    assert by_id.returncode == 0 and "0048 is enabled" in by_id.stdout


def _account(authserver, url: str, name: str, *extra: str) -> None:
    made = authserver(url, "users", "create", "--username", name, "--email",
                      f"{name}@example.com", "--password-stdin", "--verified", *extra,
                      stdin=PASSWORD)
    assert made.returncode == 0, made.stderr


def _roles(authserver, url: str) -> dict[str, str]:
    return {row["username"]: row["role"] for row in
            (json.loads(text) for text in
             authserver(url, "users", "list", "--json").stdout.splitlines())}


def test_the_last_admin_keeps_the_role_and_revoking_is_audited(authserver, sqlite_url,
                                                                 os_user):
    _account(authserver, sqlite_url, "first", "--admin")
    last = authserver(sqlite_url, "users", "revoke-admin", "first")
    assert last.returncode == 1
    assert last.stderr.splitlines()[-1] == (
        "users revoke-admin: first is the last admin: grant the role to someone else first, "
        "or nobody could open the admin page.")
    _account(authserver, sqlite_url, "second")
    [second_id] = [row["id"] for row in (json.loads(text) for text in authserver(
        sqlite_url, "users", "list", "--json").stdout.splitlines()) if row["username"] == "second"]
    granted = authserver(sqlite_url, "users", "grant-admin", "--id", str(second_id))
    assert granted.returncode == 0 and granted.stdout == "second is now an admin\n"
    revoked = authserver(sqlite_url, "users", "revoke-admin", "first")
    assert revoked.returncode == 0 and revoked.stdout == "first is no longer an admin\n"
    assert _roles(authserver, sqlite_url) == {"first": "user", "second": "admin"}
    events = [json.loads(text) for text in
              authserver(sqlite_url, "audit", "--json").stdout.splitlines()]
    assert [(e["event"], e["detail"]) for e in events if e["event"].startswith("admin_")] == [
        ("admin_granted", f"operator {os_user}"), ("admin_granted", f"operator {os_user}"),
        ("admin_revoked", f"operator {os_user}")]
    assert authserver(sqlite_url, "users", "revoke-admin").returncode == 2


def test_passkeys_unverify_and_reset_from_the_shell(authserver, sqlite_url, tmp_path):
    _account(authserver, sqlite_url, "keyholder")
    with sqlite3.connect(tmp_path / "operator.db") as connection:
        for credential, name in (("cred-a", "Phone"), ("cred-b", "Laptop")):
            connection.execute(
                "INSERT INTO passkey (user_id, credential_id, public_key, sign_count, name, "
                "created_at) VALUES (1, ?, 'key', 0, ?, CURRENT_TIMESTAMP)", (credential, name))
    connection.close()
    listed = authserver(sqlite_url, "users", "passkeys", "keyholder")
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["1", "Phone"], ["2", "Laptop"]]
    missing = authserver(sqlite_url, "users", "remove-passkey", "keyholder", "9")
    assert missing.returncode == 1 and "no passkey with the id 9" in missing.stderr
    removed = authserver(sqlite_url, "users", "remove-passkey", "keyholder", "1")
    assert removed.returncode == 0, removed.stderr
    reset = authserver(sqlite_url, "users", "reset-factors", "keyholder", "--passkeys")
    assert reset.returncode == 0 and "passkeys are removed" in reset.stdout
    assert authserver(sqlite_url, "users", "passkeys", "keyholder").stdout == ""
    unverified = authserver(sqlite_url, "users", "unverify", "keyholder")
    assert unverified.returncode == 0, unverified.stderr
    assert "unverified" in authserver(sqlite_url, "users", "list").stdout
    events = [json.loads(text)["event"] for text in
              authserver(sqlite_url, "audit", "--json").stdout.splitlines()]
    assert events[-3:] == ["admin_remove_passkey", "admin_reset_second_factors",
                           "admin_unverify_user"]
