"""The account page's sessions: where this account is logged in, and ending them, one
(from another device), all others, or all ("log out everywhere").

Ending a session disconnects its sockets: at once in this process, and at the realtime
sweep's next pass (within a second) in every other.
"""

from authserver.errors import ServiceError
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from authserver.services.sessions.lifecycle import ended, live, revoke_all
from authserver.store.models import Session, utcnow
from contracts import Status
from contracts import service as calls
from contracts.messages import Empty, Notice, RevokeSessionRequest, SessionInfo, SessionList


def listed(user_id: int, current: int) -> list[SessionInfo]:
    """The account's live sessions, newest first, `current` marked (0 marks none)."""
    rows = Session.select().where(live(user_id)).order_by(Session.created_at.desc(),
                                                            Session.id.desc())
    return [
        SessionInfo(id=row.id, created_at=row.created_at, last_used_at=row.last_used_at,
                    expires_at=row.expires_at, ip=row.ip or "", user_agent=row.user_agent or "",
                    current=row.id == current)
        for row in rows
    ]


@serves(calls.LIST_SESSIONS)
async def list_sessions(ctx: Context, request: Empty, caller: Caller) -> SessionList:
    signed_in = caller.signed_in
    sessions = await ctx.store.run(listed, signed_in.user.id, signed_in.session_id)
    return SessionList(sessions=sessions)


def _revoke_own(user_id: int, session_id: int) -> int:
    return Session.update(revoked_at=utcnow()).where(
        Session.id == session_id, live(user_id)
    ).execute()


@serves(calls.REVOKE_SESSION)
async def revoke_session(ctx: Context, request: RevokeSessionRequest, caller: Caller) -> Notice:
    """End one session of the caller's own account; any other id is NOT_FOUND, whether
    it belongs to someone else, ended already, or never existed."""
    signed_in = caller.signed_in
    if not await ctx.store.run(_revoke_own, signed_in.user.id, request.session_id):
        raise ServiceError(Status.NOT_FOUND, "You have no live session with that id.",
                           field="session_id")
    # Its sockets are told first: the sweep, which finds ended sessions on its own, would
    # end them with no reason if an audit write let it get there first.
    await ctx.session_ended(request.session_id, "This session was ended from another device.")
    await audit.record(ctx, "session_revoked", caller, user=signed_in.user,
                       detail=f"session {request.session_id}")
    if request.session_id == signed_in.session_id:
        return Notice(message="This session has ended. You are logged out.")
    return Notice(message="That session has ended.")


@serves(calls.REVOKE_OTHER_SESSIONS)
async def revoke_other_sessions(ctx: Context, request: Empty, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    ids = await ctx.store.run(revoke_all, signed_in.user.id, keep=signed_in.session_id)
    await ended(ctx, ids, "This session was ended from another device.")
    await audit.record(ctx, "session_revoked", caller, user=signed_in.user,
                       detail=f"every other session ({len(ids)})")
    return Notice(message=f"Ended {len(ids)} other session{'' if len(ids) == 1 else 's'}.")


@serves(calls.LOGOUT_ALL)
async def logout_all(ctx: Context, request: Empty, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    ids = await ctx.store.run(revoke_all, signed_in.user.id)
    await ended(ctx, ids, "You logged out everywhere.")
    await audit.record(ctx, "session_revoked", caller, user=signed_in.user,
                       detail=f"every session ({len(ids)})")
    return Notice(message="You are logged out everywhere.")
