"""Every text the operator's commands print passes one escaper (issue 28): an account
whose name, address, passkey name and audit rows hold terminal escapes (as an old
database or an import could hold them; sign-up refuses them) is listed, shown, changed
and audited by each `users` command, and nothing that acts on a terminal reaches it."""

import ast
import json
import pathlib
import unicodedata

import pytest

import authserver.operator
from tests.support.databases import rows

PASSWORD = "a long enough password\n"
# Clear the screen, return to the line start, ring, a C1 CSI, a bidi override, a
# zero-width space.
HOSTILE = "\x1b[2J\r\x07\x9b\u202e\u200b"
USERNAME = f"mallory{HOSTILE}"
EMAIL = f"mallory{HOSTILE}@example.com"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'operator.db'}"


def _acting(output: str) -> list[str]:
    """The characters of `output` that would act on a terminal (its own line breaks and
    column tabs aside)."""
    return [char for char in output if char not in "\n\t"
            and unicodedata.category(char) in {"Cc", "Cf"}]


async def _hostile_account(authserver, sqlite_url) -> int:
    made = authserver(sqlite_url, "users", "create", "--username", "mallory", "--email",
                      "mallory@example.com", "--password-stdin", "--verified", stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    [(user_id,)] = await rows(sqlite_url, 'SELECT id FROM "user"')
    await rows(sqlite_url, 'UPDATE "user" SET username = ?, email = ? WHERE id = ?',
               USERNAME, EMAIL, user_id)
    await rows(sqlite_url, "INSERT INTO passkey (user_id, credential_id, public_key, "
               "sign_count, name, created_at) VALUES (?, 'cred', 'key', 0, ?, "
               "'2026-12-01 10:00:00')", user_id, f"laptop{HOSTILE}")
    await rows(sqlite_url, "INSERT INTO audit_event (created_at, event, user_id, username, "
               "ip, user_agent, detail) VALUES ('2026-12-01 10:00:00', 'login_failure', ?, ?, "
               "'203.0.113.9', ?, ?)", user_id, USERNAME, f"curl{HOSTILE}", f"why{HOSTILE}")
    return user_id


async def test_every_users_command_prints_hostile_fields_escaped(authserver, sqlite_url):
    user_id = await _hostile_account(authserver, sqlite_url)
    by_id = ("--id", str(user_id))
    outputs = {}
    for command in (("list",), ("list", "--json"), ("list", "--query", "mallory"),
                    ("passkeys", *by_id), ("grant-admin", *by_id), ("revoke-admin", *by_id),
                    ("disable", *by_id), ("enable", *by_id), ("unverify", *by_id),
                    ("verify", *by_id), ("end-sessions", *by_id),
                    ("reset-factors", "--passkeys", *by_id), ("passkeys", "--username", USERNAME),
                    ("remove-passkey", *by_id, "12345"), ("delete", *by_id)):
        done = authserver(sqlite_url, "users", *command)
        outputs[command] = done.stdout + done.stderr
    for command in (("audit",), ("audit", "--json"), ("audit", "--user", USERNAME)):
        done = authserver(sqlite_url, *command)
        assert done.returncode == 0, done.stderr
        outputs[command] = done.stdout + done.stderr
    for command, output in outputs.items():
        assert _acting(output) == [], (command, output)
    escaped_name = "mallory\\x1b[2J\\r\\x07\\x9b\\u202e\\u200b"
    assert escaped_name in outputs[("list",)]
    assert f"laptop{escaped_name[7:]}" in outputs[("passkeys", *by_id)]
    assert f"deleted {escaped_name} <{escaped_name}@example.com>" in outputs[("delete", *by_id)]
    assert json.loads(outputs[("list", "--json")].splitlines()[0])["username"] == USERNAME
    audited = outputs[("audit",)]
    assert f"curl{escaped_name[7:]}\twhy{escaped_name[7:]}" in audited
    assert audited.count(escaped_name) >= 9  # the row above and the acts, under the name


async def test_the_audit_escapes_with_the_same_escaper(authserver, sqlite_url):
    """One escaper for every command: the audit shows "Zoë" as the list does, not as
    "Zo\\xeb"."""
    await _hostile_account(authserver, sqlite_url)
    await rows(sqlite_url, "UPDATE audit_event SET user_agent = 'Zoë 名前'")
    assert "\tZoë 名前\t" in authserver(sqlite_url, "audit").stdout


def test_a_clients_name_is_escaped_as_a_username_is(authserver, sqlite_url):
    """The operator may paste a name holding escapes; listing it must not run them."""
    made = authserver(sqlite_url, "clients", "create", "--name", f"app{HOSTILE}",
                      "--redirect-uri", "https://app.example.com/cb")
    assert made.returncode == 0, made.stderr
    for command in (("clients", "list"), ("clients", "list", "--json")):
        listed = authserver(sqlite_url, *command)
        assert listed.returncode == 0, listed.stderr
        assert _acting(listed.stdout + listed.stderr) == [], (command, listed.stdout)
    assert "app\\x1b[2J" in authserver(sqlite_url, "clients", "list").stdout


def _prints_directly(path: pathlib.Path) -> list[int]:
    """Lines of `path` that call print() or name sys.stdout / sys.stderr."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "print":
            found.append(node.lineno)
        if isinstance(node, ast.Attribute) and node.attr in {"stdout", "stderr"}:
            found.append(node.lineno)
    return found


def test_operator_commands_print_only_through_the_escaping_helpers():
    package = pathlib.Path(authserver.operator.__file__).parent
    direct = {path.name: lines for path in sorted(package.glob("*.py"))
              if path.name != "output.py" and (lines := _prints_directly(path))}
    assert direct == {}, "print through authserver/operator/output.py (say, say_row, ...)"
