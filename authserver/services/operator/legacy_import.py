"""Moving in from the original Flask app: its users keep their passwords.

`import_users` copies the original SQLite `user` table (Werkzeug `scrypt:`/`pbkdf2:`
hashes kept as they are); login replaces such a hash with bcrypt once it proves the
password (services/sessions/login.py), so after a while no legacy hash is left.

Each row meets the sign-up rules, as if it signed up here: the username's shape (and no
control character), a name that reads like one already taken (security/lookalikes.py),
the address's shape (normalised as sign-up does). A row that does not is refused, and
listed with its reason.
"""

import sqlite3
from dataclasses import dataclass, field

from peewee import IntegrityError
from pydantic import TypeAdapter, ValidationError

from authserver.security.legacy_hashes import is_legacy
from authserver.security.lookalikes import skeleton
from authserver.services.context import Context
from authserver.store.models import User, database_proxy, utcnow
from contracts.fields import CONTROL_CHARACTERS, Email, Username, lookup_key

_USERNAME: TypeAdapter[str] = TypeAdapter(Username)
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


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


def _refusal(what: str, error: ValidationError) -> str:
    first = error.errors()[0]
    if first["type"] == CONTROL_CHARACTERS:
        return f"{what} holds a control character"
    if what == "username":
        return "username not allowed: 3 to 32 of letters, digits, '_', '.' or '-'"
    return f"email not valid: {first['msg'].removeprefix('Value error, ')}"


def _checked(row: dict) -> tuple[str, str] | str:
    """The row's username and normalised address when it meets the sign-up rules; else
    the reason it does not."""
    try:
        username = _USERNAME.validate_python(row["username"])
    except ValidationError as error:
        return _refusal("username", error)
    try:
        email = _EMAIL.validate_python(row["email"])
    except ValidationError as error:
        return _refusal("email", error)
    if not isinstance(row["password_hash"], str) or not is_legacy(row["password_hash"]):
        return "password hash not in Werkzeug's scrypt or pbkdf2 format"
    return username, email


TAKEN = "username or email already taken"


def _taken(username: str, email_key: str) -> str | None:
    """Why an account already here stands in the way, if one does."""
    if User.select().where((User.username_key == lookup_key(username))
                           | (User.email_key == email_key)).exists():
        return TAKEN
    look_alike = User.get_or_none(User.username_skeleton == skeleton(username))
    if look_alike is not None:
        return f"username reads like the taken name {look_alike.username}"
    return None


def _insert(rows: list[dict]) -> ImportReport:
    report = ImportReport()
    for row in rows:
        checked = _checked(row)
        if isinstance(checked, str):
            report.skipped.append((str(row["username"]), checked))
            continue
        username, email = checked
        try:
            with database_proxy.obj.atomic():
                problem = _taken(username, lookup_key(email))
                if problem is None:
                    User.create(
                        username=username, username_key=lookup_key(username),
                        username_skeleton=skeleton(username),
                        email=email, email_key=lookup_key(email),
                        password_hash=row["password_hash"],
                        is_verified=bool(row["is_verified"]),
                        created_at=row["created_at"] or utcnow(),
                    )
        except IntegrityError:  # taken meanwhile, by a sign-up
            problem = TAKEN
        if problem:
            report.skipped.append((username, problem))
        else:
            report.imported.append(username)
    return report


async def import_users(ctx: Context, rows: list[dict]) -> ImportReport:
    """Create an account per original user. Unverified ones must ask for a new code (the
    original's codes are not carried over); rows that break a sign-up rule, or whose
    name (or a look-alike) or address is taken, are skipped and reported with why."""
    return await ctx.store.run(_insert, rows)
