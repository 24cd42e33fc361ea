"""Which sessions held by live sockets have ended, and whose account is an admin: the data
side of the socket sweep.

The real-time edge keeps its sockets in rooms named after their sessions and asks here
which of those sessions are over, so a revocation made by another process (or by the
operator's `users delete`) that no message announced reaches the sockets it concerns; and,
in the same query, which of the live ones belong to an admin now, so a role change no
message announced (`users revoke-admin` without Redis) reaches them too. How often it
asks is the edge's business (authserver/realtime/server.py).
"""

from collections.abc import Iterable
from typing import cast

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
