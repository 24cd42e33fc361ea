"""A fresh sign-in at a linked outside provider, kept as the proof of the owner for the
next credential change of the session that asked for it (an account with no password;
services/providers/reauth.py makes it, `confirm_owner` takes it).

It is kept as a WebAuthn ceremony row of its own purpose (`provider`): one row per
session, found by a digest of the session's id, for one use within five minutes, with
the ceremonies' own expiry. Taking it spends it."""

from authserver.security.tokens import token_digest
from authserver.services.context import Context
from authserver.services.factors.ceremonies import CEREMONY_LIFETIME, take_ceremony
from authserver.store.models import PasskeyCeremony, database_proxy, utcnow

PROVIDER_PROOF = "provider"


def _key(session_id: int) -> str:
    return token_digest(f"provider proof of session {session_id}")


def keep(user_id: int, session_id: int, provider: str) -> None:
    """The session's proof, replacing one it has not used yet."""
    now = utcnow()
    with database_proxy.obj.atomic():
        PasskeyCeremony.delete().where(
            (PasskeyCeremony.expires_at <= now) | (PasskeyCeremony.token_hash == _key(session_id))
        ).execute()
        PasskeyCeremony.create(token_hash=_key(session_id), user=user_id,
                               purpose=PROVIDER_PROOF, challenge=provider,
                               expires_at=now + CEREMONY_LIFETIME)


async def take(ctx: Context, user_id: int, session_id: int) -> bool:
    """Whether the session holds a live proof made by `user_id`; it is spent by this."""
    row = await ctx.store.run(take_ceremony, _key(session_id), PROVIDER_PROOF)
    return row is not None and row.user_id == user_id
