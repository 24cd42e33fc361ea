"""Moving in from the original Flask app: its users keep their passwords.

`import_users` copies the original SQLite `user` table (Werkzeug `scrypt:`/`pbkdf2:`
hashes kept as they are); login replaces such a hash with bcrypt once it proves the
password (services/sessions/login.py), so after a while no legacy hash is left.
"""

import sqlite3
from dataclasses import dataclass, field

from peewee import IntegrityError

from authserver.security.legacy_hashes import is_legacy
from authserver.services.context import Context
from authserver.store.models import User, database_proxy, utcnow


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (username, why)


def read_original(path: str) -> list[dict]:
    """The rows of the original app's `user` table (blocking: run it in an executor)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            'SELECT username, email, password_hash, is_verified, created_at FROM "user" '
            "ORDER BY id"
        ).fetchall()
    return [dict(row) for row in rows]


def _problem(row: dict) -> str | None:
    if not row["username"] or len(row["username"]) > User.username.max_length:
        return "username empty or too long"
    if not row["email"] or len(row["email"]) > User.email.max_length:
        return "email empty or too long"
    if not is_legacy(row["password_hash"]):
        return "password hash not in Werkzeug's scrypt or pbkdf2 format"
    return None


def _insert(rows: list[dict]) -> ImportReport:
    report = ImportReport()
    for row in rows:
        problem = _problem(row)
        if problem:
            report.skipped.append((str(row["username"]), problem))
            continue
        try:
            with database_proxy.obj.atomic():
                User.create(
                    username=row["username"], username_key=row["username"].lower(),
                    email=row["email"], email_key=row["email"].lower(),
                    password_hash=row["password_hash"], is_verified=bool(row["is_verified"]),
                    created_at=row["created_at"] or utcnow(),
                )
        except IntegrityError:
            report.skipped.append((row["username"], "username or email already taken"))
        else:
            report.imported.append(row["username"])
    return report


async def import_users(ctx: Context, rows: list[dict]) -> ImportReport:
    """Create an account per original user. Unverified ones must ask for a new code (the
    original's codes are not carried over); taken names are skipped and reported."""
    return await ctx.store.run(_insert, rows)
