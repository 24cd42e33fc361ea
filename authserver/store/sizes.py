"""How many rows, at a cost that does not grow with the table.

Counting a million rows reads a million index entries on every call. Below a threshold
the exact count is cheap and is given; above it, a table's size is the database's own
estimate (PostgreSQL's `pg_class.reltuples`, kept by ANALYZE and autovacuum; on SQLite the
highest id, which rows deleted since overstate), and a filtered count stops at the
threshold ("at least").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from peewee import SQL, ModelSelect, PostgresqlDatabase, fn

from authserver.store.models import database_proxy

Kind = Literal["exact", "estimate", "at_least"]


@dataclass(frozen=True)
class Size:
    total: int
    kind: Kind


def counted_up_to(query: ModelSelect[Any], limit: int) -> Size:
    """The exact count of `query`'s rows when there are at most `limit`, else `limit`
    "at least": at most `limit + 1` rows are read."""
    found = query.limit(limit + 1).count()
    return Size(found, "exact") if found <= limit else Size(limit, "at_least")


def table_size(model, exact_up_to: int) -> Size:
    """The number of rows of `model`'s table: exact up to `exact_up_to`, estimated above."""
    key = model._meta.primary_key
    # In key order, so that the count walks the primary key's index, never the table
    # (peewee's count() would drop the ORDER BY).
    first = model.select(key).order_by(key).limit(exact_up_to + 1).alias("first")
    found = model.select(fn.COUNT(SQL("*"))).from_(first).scalar()
    small = Size(found, "exact") if found <= exact_up_to else Size(exact_up_to, "at_least")
    if small.kind == "exact":
        return small
    database = database_proxy.obj
    if isinstance(database, PostgresqlDatabase):
        estimate = database.execute_sql(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            (f'"{model._meta.table_name}"',)).fetchone()[0]
    else:
        estimate = model.select(fn.MAX(model._meta.primary_key)).scalar()
    # -1 until the table is first analyzed; a stale estimate below what we just counted.
    if estimate is None or estimate <= exact_up_to:
        return small
    return Size(int(estimate), "estimate")
