"""`authserver import-legacy` applies the sign-up rules (issue 28): a row whose username
breaks the rules, reads like a name already there, holds a control character, or whose
address is no address, is refused and listed with its reason, printed escaped."""

import pytest
from werkzeug.security import generate_password_hash

from tests.operations.test_moving_in import original_database
from tests.support.databases import rows

HASH = generate_password_hash("an old password", method="pbkdf2:sha256:1000")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, servers) -> str:
    return servers.database_url(request.param)


async def test_import_legacy_refuses_what_sign_up_refuses(fresh_database, authserver,
                                                          tmp_path):
    original = tmp_path / "original.db"
    original_database(original, [
        ("bob", "bob@example.com", HASH, True),
        ("Carol", "carol@EXAMPLE.COM", HASH, True),
        ("b0b", "b0b@example.com", HASH, True),
        ("evil\x1b[2Jname", "evil@example.com", HASH, True),
        ("has space", "space@example.com", HASH, True),
        ("mallory", "not an address", HASH, True),
        ("encoded", "=?utf-8?q?alice?=@example.com", HASH, True),
        ("bellman", "bell\x07man@example.com", HASH, True),
    ])
    imported = authserver(fresh_database, "import-legacy", str(original))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("imported 2 account(s)"), imported.stdout
    refused = imported.stderr.splitlines()
    for line in (
        "skipped b0b: username reads like the taken name bob",
        "skipped evil\\x1b[2Jname: username holds a control character",
        "skipped has space: username not allowed: 3 to 32 of letters, digits, '_', '.' or '-'",
        "skipped bellman: email holds a control character",
    ):
        assert line in refused, (line, refused)
    for name in ("mallory", "encoded"):
        assert any(line.startswith(f"skipped {name}: email not valid: ") for line in refused), (
            name, refused)
    assert "\x1b" not in imported.stderr
    stored = await rows(fresh_database,
                        'SELECT username, email, username_skeleton FROM "user" ORDER BY id')
    assert stored == [("bob", "bob@example.com", "bob"),
                      ("Carol", "carol@example.com", "carol")]
