"""Which sessions held by live sockets have ended, and whose account is an admin: the data
side of the socket sweep.

The real-time edge keeps its sockets in rooms named after their sessions and asks here
which of those sessions are over, so a revocation made by another process (or by the
operator's `users delete`) that no message announced reaches the sockets it concerns; and,
in the same query, which of the live ones belong to an admin now, so a role change no
message announced (`users revoke-admin` without Redis) reaches them too. How often it
asks is the edge's business (authserver/realtime/server.py); `WriteWatch` tells it, on
SQLite, whether there can be anything new to find.
"""

import os
from collections.abc import Iterable
from typing import cast

from authserver.database_urls import sqlite_path
from authserver.services.context import Context
from authserver.store.models import Session, User, utcnow

BATCH = 500
ADMIN = "admin"


def _ended(session_ids: list[int]) -> tuple[list[int], set[int]]:
    live: set[int] = set()
    admins: set[int] = set()
    for start in range(0, len(session_ids), BATCH):
        batch = session_ids[start : start + BATCH]
        rows = cast(Iterable[tuple[int, str]], Session.select(Session.id, User.role).join(User)
                    .where(Session.id.in_(batch), Session.revoked_at.is_null(),
                           Session.expires_at > utcnow())
                    .tuples())
        for held, role in rows:
            live.add(held)
            if role == ADMIN:
                admins.add(held)
    return [session_id for session_id in session_ids if session_id not in live], admins


async def ended_sessions(ctx: Context, session_ids: list[int]) -> tuple[list[int], set[int]]:
    """Those of `session_ids` that are no longer live (revoked, expired, or gone with their
    user: `authserver users delete`), and those of the live ones whose account has the
    admin role now."""
    return await ctx.store.run(_ended, session_ids)


class WriteWatch:
    """On SQLite, has any process written to the database since the last look?

    Without Redis the database is the only channel between the processes that use it (a
    second server, the operator's `authserver users ...`), but on SQLite every commit
    changes the database file or its write-ahead log (`-wal`), so two stat calls tell
    whether a session can have ended elsewhere, with no query. Endings made here are
    heard by the session listeners, expiries by the timer: while nothing is written, the
    sweep has nothing to find. On PostgreSQL there is no file to look at: `known` is
    False, and the sweep asks the database each time.
    """

    def __init__(self, database_url: str) -> None:
        path = sqlite_path(database_url)
        self.known = path is not None
        self._files = ([path, f"{path}-wal"] if path is not None and path != ":memory:"
                       else [])
        self._seen: list[tuple[int, int, int] | None] | None = None  # first look: a change

    def _signature(self) -> list[tuple[int, int, int] | None]:
        signature: list[tuple[int, int, int] | None] = []
        for file in self._files:
            try:
                found = os.stat(file)
            except FileNotFoundError:
                signature.append(None)
            else:
                signature.append((found.st_ino, found.st_size, found.st_mtime_ns))
        return signature

    def written(self) -> bool:
        """Has the database changed since the last call? Look before the sweep's query,
        so a write made during it is seen at the next look."""
        now = self._signature()
        changed, self._seen = now != self._seen, now
        return changed
