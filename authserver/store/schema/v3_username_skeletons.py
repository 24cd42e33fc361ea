"""Version 3, frozen: a unique look-alike form of each username (security/lookalikes.py).

Existing accounts get theirs in order of age; an account that already looks like an older
one keeps NULL (it stays usable, and nobody else can take its look-alike).
"""

from peewee import CharField, Table
from playhouse.migrate import SchemaMigrator, migrate

from authserver.security.lookalikes import skeleton


def apply(database) -> None:
    migrator = SchemaMigrator.from_database(database)
    migrate(migrator.add_column("user", "username_skeleton", CharField(max_length=80, null=True)))
    users = Table("user", ("id", "username", "username_skeleton")).bind(database)
    seen: set[str] = set()
    for user_id, username in list(users.select(users.id, users.username)  # type: ignore[attr-defined]  # peewee's stubs cannot see the columns Table sets at run time
                                  .order_by(users.id).tuples()):  # type: ignore[attr-defined]  # peewee's stubs cannot see the columns Table sets at run time
        form = skeleton(username)
        if form not in seen:
            seen.add(form)
            users.update({users.username_skeleton: form}).where(users.id == user_id).execute()  # type: ignore[attr-defined]  # peewee's stubs cannot see the columns Table sets at run time
    migrate(migrator.add_index("user", ("username_skeleton",), unique=True))
