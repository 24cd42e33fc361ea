"""Which sessions held by live sockets have ended: the data side of the socket sweep.

The real-time edge keeps its sockets in rooms named after their sessions and asks here
which of those sessions are over, so a revocation made by another process (or by the
operator's `users delete`) that no message announced reaches the sockets it concerns.
How often it asks is the edge's business (authserver/realtime/server.py).
"""

from authserver.services.context import Context
from authserver.store.models import Session, utcnow

BATCH = 500


def _ended(session_ids: list[int]) -> list[int]:
    live: set[int] = set()
    for start in range(0, len(session_ids), BATCH):
        batch = session_ids[start : start + BATCH]
        live.update(
            row.id
            for row in Session.select(Session.id).where(
                Session.id.in_(batch),
                Session.revoked_at.is_null(),
                Session.expires_at > utcnow(),
            )
        )
    return [session_id for session_id in session_ids if session_id not in live]


async def ended_sessions(ctx: Context, session_ids: list[int]) -> list[int]:
    """Those of `session_ids` that are no longer live: revoked, expired, or gone with their
    user (`authserver users delete`)."""
    return await ctx.store.run(_ended, session_ids)
