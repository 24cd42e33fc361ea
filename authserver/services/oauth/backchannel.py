"""Back-channel logout (OIDC Back-Channel Logout 1.0): the logout tokens owed to apps.

When a session that gave an app tokens ends (logout, a revoked session, logout
everywhere, a password reset or change, the app's removal, the account disabled or
deleted), each app with a `backchannel_logout_uri` is owed a signed logout token naming
the person (`sub`) and the session (`sid`). The debt is a row of `backchannel_logout`,
written with the end that causes it where the end is one transaction (grants ended,
an account deleted: its grants cascade away, so the rows are written before), and just
after it where the session ends alone. The worker in `logout_delivery.py` POSTs them,
with retries and backoff; a restart loses none.

These are data functions, run through `Store.run`. Claims take a lease with a conditional
UPDATE, as the mail outbox does (store/leased_queue.py), so two workers never post the
same token together.
"""

import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from joserfc import jwt
from peewee import fn

from authserver.services.oauth import claims, keys
from authserver.store.leased_queue import FAILED as FAILED  # the status logout_delivery reads
from authserver.store.leased_queue import PENDING, SENT, LeasedQueue
from authserver.store.models import BackchannelLogout, OAuthClient, OAuthGrant, User, utcnow

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_SECONDS = 120
# Longer than a POST may take (logout_delivery.POST_TIMEOUT_SECONDS): no renewal needed.
LEASE_SECONDS = 30
QUEUE = LeasedQueue(BackchannelLogout, lease_seconds=LEASE_SECONDS, candidates=5,
                    first_retry_seconds=2, max_retry_seconds=600,
                    give_up_after=timedelta(hours=24))


def _owed(condition) -> None:
    """Queue a token for each app and session among the grants matching `condition`
    whose app listens. Keyed by app, session and newest grant, so
    one end seen twice (its sessions, then its grants) is told once, and a person who
    signs in to the app again from the same session is told again at the next end."""
    rows = cast(Iterable[tuple], (
        OAuthGrant.select(OAuthClient.client_id, OAuthClient.backchannel_logout_uri, User.sub,
                          OAuthGrant.session_id, fn.MAX(OAuthGrant.id).alias("newest"))
            .join(OAuthClient).switch(OAuthGrant).join(User)
            .where(condition, OAuthClient.backchannel_logout_uri.is_null(False))
            .group_by(OAuthClient.client_id, OAuthClient.backchannel_logout_uri, User.sub,
                      OAuthGrant.session_id)
            .tuples()))
    now = utcnow()
    for client_id, uri, sub, session_id, newest in rows:
        BackchannelLogout.insert(
            dedupe_key=f"{client_id} {session_id} {newest}", client_id=client_id, uri=uri,
            sub=sub, session_id=session_id, status=PENDING, attempts=0,
            next_attempt_at=now, created_at=now).on_conflict_ignore().execute()


def queue_for_sessions(session_ids: list[int]) -> None:
    """Tokens owed for sessions that just ended (every grant they authorized)."""
    if session_ids:
        _owed(OAuthGrant.session_id.in_(session_ids))


def queue_for_grants(grant_ids: list[int]) -> None:
    """Tokens owed for grants just revoked (a password change, the app's removal ...)."""
    if grant_ids:
        _owed(OAuthGrant.id.in_(grant_ids))


def queue_for_user(user_id: int) -> None:
    """Tokens owed for every grant of an account about to be deleted; run it in the
    deletion's transaction, before the delete cascades the grants away."""
    _owed((OAuthGrant.user == user_id) & OAuthGrant.revoked_at.is_null())


def logout_token(secret_key: str, issuer: str, row: BackchannelLogout) -> str:
    """The signed logout token of a row (section 2.4): signed when it is sent, so its
    `iat` is fresh whatever the retries took."""
    now = int(time.time())
    body: dict = {"iss": issuer, "aud": row.client_id, "iat": now, "exp": now + TOKEN_SECONDS,
                  "jti": secrets.token_urlsafe(18), "sub": row.sub, "events": {EVENT: {}}}
    if row.session_id is not None:
        body["sid"] = claims.session_sid(secret_key, row.session_id)
    key = keys.signing_key(secret_key)
    header = {"typ": "logout+jwt", "alg": keys.ALGORITHM, "kid": key.kid}
    return jwt.encode(header, body, key, algorithms=[keys.ALGORITHM])


def claim_next() -> BackchannelLogout | None:
    """The delivery due first, leased to this worker for LEASE_SECONDS; None if none."""
    return QUEUE.claim_next()


def mark_sent(delivery_id: int) -> None:
    BackchannelLogout.update(status=SENT, sent_at=utcnow(), last_error=None).where(
        BackchannelLogout.id == delivery_id).execute()


def retry_delay(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s ... doubling after each failure, never more than 10 minutes."""
    return QUEUE.retry_delay(attempts)


def mark_failed_attempt(row: BackchannelLogout, error: str) -> str:
    """Record a failed POST; the row's new status (pending, or failed for good after a
    day: an app that long away has ended its sessions by itself)."""
    return QUEUE.mark_failed_attempt(row, error)


def next_due_at() -> datetime | None:
    return QUEUE.next_due_at()
