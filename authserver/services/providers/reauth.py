"""Proving the owner with a fresh sign-in at a linked provider: for an account with no
password (nor, often, passkey or authenticator app) that changes its credentials.

The signed-in person starts a round-trip (`GET /api/login/provider/NAME?proof=1`) that
asks the provider to sign them in again (`prompt=login`, `max_age=0`). The callback
keeps a proof for that session (services/factors/provider_proof.py) only when the ID
token's `auth_time` is at most FRESH_SECONDS old, its (issuer, sub) is linked to the
account that asked, and the asking session is still live. The next credential change of
that session takes it, once, within five minutes."""

import time

from authserver.errors import ServiceError
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.factors.provider_proof import keep
from authserver.services.providers.linking import linked_user, live_session_of
from authserver.services.providers.registry import Provider
from authserver.services.providers.relying_party import CLOCK_SKEW, FlowState, Identity
from authserver.store.models import User
from contracts import Status

# The provider signed the person in this recently (plus the clock skew we allow).
FRESH_SECONDS = 120
STALE = ("The provider did not sign you in again just now, so this proves nothing. "
         "Try again.")
NOT_YOURS = "That sign-in at the provider is not linked to your account."
ENDED = "Your session ended before the provider answered. Log in again."


def _owner(user_id: int) -> User | None:
    return User.get_or_none(User.id == user_id)


async def record_proof(ctx: Context, provider: Provider, identity: Identity,
                       flow: FlowState, caller: Caller) -> None:
    """Keep the proof for the session in `flow`, or refuse (nothing kept)."""
    assert flow.proof_user is not None and flow.proof_session is not None
    user = await ctx.store.run(_owner, flow.proof_user)
    if user is None or not await ctx.store.run(live_session_of, flow.proof_session, user.id):
        raise ServiceError(Status.UNAUTHENTICATED, ENDED)
    age = None if identity.auth_time is None else time.time() - identity.auth_time
    if age is None or not -CLOCK_SKEW <= age <= FRESH_SECONDS + CLOCK_SKEW:
        await _refused(ctx, caller, user, provider, "not a fresh sign-in")
        raise ServiceError(Status.PERMISSION_DENIED, STALE)
    linked = await ctx.store.run(linked_user, identity.issuer, identity.subject)
    if linked is None or linked.id != user.id:
        await _refused(ctx, caller, user, provider, "another identity")
        raise ServiceError(Status.PERMISSION_DENIED, NOT_YOURS)
    await ctx.store.run(keep, user.id, flow.proof_session, provider.name)
    await audit.record(ctx, "provider_reauth", caller, user=user, detail=provider.name)


async def _refused(ctx: Context, caller: Caller, user: User, provider: Provider,
                   why: str) -> None:
    await audit.record(ctx, "reauth_failure", caller, user=user,
                       detail=f"{provider.name}: {why}")
