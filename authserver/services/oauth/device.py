"""The device authorization grant (RFC 8628), for CLIs and TVs: the device gets a device
code (kept by digest) and a short user code; the person, signed in elsewhere, looks the
user code up (the app's name and scopes) and approves it; the device, polling the token
endpoint, is told `authorization_pending`, `slow_down` when it polls faster than its
interval (which then grows by 5 s, section 3.5), `expired_token`, or gets its tokens once.

User codes are 8 letters from an alphabet without vowels or look-alikes (section 6.1),
shown XXXX-XXXX: 20^8 codes, each good for DEVICE_SECONDS and a limited number of
lookups per address (the service table's limits). The approved grant belongs to the
approving session, like a grant made at authorize, and ends with it.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import IntegrityError

from authserver.errors import ServiceError
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.oauth import grants
from authserver.services.registry import serves
from authserver.store.models import (
    OAuthClient,
    OAuthDeviceCode,
    OAuthGrant,
    Session,
    database_proxy,
    utcnow,
)
from contracts import Status
from contracts import service as calls
from contracts.messages import DeviceCodeRequest, DeviceRequestInfo, Notice

ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
CODE_LETTERS = 8
DEVICE_SECONDS = 600
INTERVAL_SECONDS = 5
SLOW_DOWN_STEP = 5


def new_user_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LETTERS))


def shown(user_code: str) -> str:
    """XXXX-XXXX, as a person reads and types it."""
    return f"{user_code[:4]}-{user_code[4:]}"


def normalized(typed: str) -> str:
    """What a person typed, as stored: upper case, only the alphabet's letters."""
    return "".join(ch for ch in typed.upper() if ch in ALPHABET)


@dataclass(frozen=True)
class Started:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


def start(client_pk: int, scope: str) -> Started:
    """A new device request of this client (a data function)."""
    device_code = secrets.token_urlsafe(32)
    now = utcnow()
    while True:  # a user code already in use (one chance in 10^10) draws again
        user_code = new_user_code()
        try:
            with database_proxy.obj.atomic():
                OAuthDeviceCode.create(
                    client=client_pk, device_code_hash=grants.digest(device_code),
                    user_code=user_code, scope=scope, interval=INTERVAL_SECONDS,
                    created_at=now, expires_at=now + timedelta(seconds=DEVICE_SECONDS))
        except IntegrityError:
            continue
        return Started(device_code, shown(user_code), DEVICE_SECONDS, INTERVAL_SECONDS)


def _waiting(user_code: str):
    return (OAuthDeviceCode.select(OAuthDeviceCode, OAuthClient).join(OAuthClient)
            .where(OAuthDeviceCode.user_code == normalized(user_code),
                   OAuthDeviceCode.approved_at.is_null(),
                   OAuthDeviceCode.expires_at > utcnow()).first())


def _lookup(user_code: str) -> DeviceRequestInfo | None:
    row = _waiting(user_code)
    if row is None:
        return None
    return DeviceRequestInfo(client_id=row.client.client_id, name=row.client.name,
                             scopes=row.scope.split(), user_code=shown(row.user_code),
                             expires_at=row.expires_at)


def _approve(user_code: str, user_id: int, session_id: int) -> DeviceRequestInfo | None:
    found = _lookup(user_code)
    if found is None:
        return None
    approved = OAuthDeviceCode.update(
        user=user_id, session_id=session_id, approved_at=utcnow()).where(
        OAuthDeviceCode.user_code == normalized(user_code),
        OAuthDeviceCode.approved_at.is_null()).execute()
    return found if approved else None


NOT_WAITING = "No device is waiting with that code: check it, or start again on the device."


@serves(calls.DEVICE_LOOKUP)
async def device_lookup(ctx: Context, request: DeviceCodeRequest,
                        caller: Caller) -> DeviceRequestInfo:
    found = await ctx.store.run(_lookup, request.user_code)
    if found is None:
        raise ServiceError(Status.NOT_FOUND, NOT_WAITING, field="user_code")
    return found


@serves(calls.DEVICE_APPROVE)
async def device_approve(ctx: Context, request: DeviceCodeRequest, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    found = await ctx.store.run(_approve, request.user_code, signed_in.user.id,
                                signed_in.session_id)
    if found is None:
        raise ServiceError(Status.NOT_FOUND, NOT_WAITING, field="user_code")
    await audit.record(ctx, "oauth_device_approved", caller, user=signed_in.user,
                       detail=f"{found.client_id} scope={' '.join(found.scopes)}")
    return Notice(message=f"{found.name} is signed in as {signed_in.user.username}. "
                          "You can go back to your device.")


# --- the device's side: polling the token endpoint ----------------------------------


@dataclass(frozen=True)
class Pending:
    """Not approved yet; `slow_down` when the device polled too soon."""

    slow_down: bool


@dataclass(frozen=True)
class Approved:
    grant_id: int
    user_id: int
    scope: str


EXPIRED = "expired"


def poll(device_code: str, client_pk: int) -> Pending | Approved | str | None:
    """One poll of the device: Pending, Approved (its grant opened, once: the code is
    spent), EXPIRED, or None (unknown to this client, or already spent)."""
    row = OAuthDeviceCode.get_or_none(
        OAuthDeviceCode.device_code_hash == grants.digest(device_code),
        OAuthDeviceCode.client == client_pk)
    if row is None or row.used_at is not None:
        return None
    now = utcnow()
    if row.expires_at <= now:
        return EXPIRED
    if row.approved_at is None:
        too_soon = (row.polled_at is not None
                    and now - row.polled_at < timedelta(seconds=row.interval))
        interval = row.interval + SLOW_DOWN_STEP if too_soon else row.interval
        OAuthDeviceCode.update(polled_at=now, interval=interval).where(
            OAuthDeviceCode.id == row.id).execute()
        return Pending(slow_down=too_soon)
    return _spend(row, now)


def _spend(row: OAuthDeviceCode, now: datetime) -> Approved | None:
    with database_proxy.obj.atomic():
        spent = OAuthDeviceCode.update(used_at=now).where(
            OAuthDeviceCode.id == row.id, OAuthDeviceCode.used_at.is_null()).execute()
        if not spent:
            return None
        session = Session.get_or_none(Session.id == row.session_id)
        grant = OAuthGrant.create(
            client=row.client_id, user=row.user_id, session_id=row.session_id,
            scope=row.scope, offline_access="offline_access" in row.scope.split(),
            auth_time=session.created_at if session else None,
            amr=session.amr if session else None, created_at=now)
    if not grants.is_live(grant.id):  # the approving session ended meanwhile
        return None
    assert row.user_id is not None  # approved rows name the person
    return Approved(grant.id, row.user_id, row.scope)
