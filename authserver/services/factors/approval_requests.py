"""Asking the account's signed-in devices to approve a new sign-in, with number matching.

A password login from a device without the account's device cookie offers `approval`
at the second step: a request goes to every live socket of the account (every worker,
through the socket layer's room per account) with three two-digit numbers; the new
device shows the right one. Picking it approves; "No, it's not me" or a wrong number
ends the login's challenge, is audited and mailed to the owner. The new device learns
the outcome by waiting on the request's row (`wait`), which any worker may have written.

Against push fatigue (a person approving a flood of prompts to make them stop): at most
REQUESTS_PER_WINDOW requests per account per REQUEST_WINDOW, none for PAUSE_AFTER_REFUSAL
after a refusal, each open APPROVAL_TIMEOUT_SECONDS, and a session that was itself
approved cannot approve (a sign-in someone slipped through cannot wave in the next).
All of it is read from the database, so every worker sees the same state.
"""

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from authserver.errors import ServiceError, unauthenticated
from authserver.mail import outbox
from authserver.mail.compose import approval_refused_letter
from authserver.security.tokens import token_digest
from authserver.services import audit
from authserver.services.accounts.lookup import DISABLED, as_reply
from authserver.services.context import Caller, Context
from authserver.services.factors.checks import confirmed_totp
from authserver.services.oauth.claims import METHODS_APPROVAL
from authserver.services.registry import serves
from authserver.services.sessions.lifecycle import open_session
from authserver.store.models import (
    LoginApproval,
    LoginChallenge,
    Session,
    User,
    database_proxy,
    utcnow,
)
from contracts import Status
from contracts import service as calls
from contracts.events import LoginApprovalAnswer, LoginApprovalClosed, LoginApprovalRequest
from contracts.messages import ApprovalWaitReply, ApprovalWaitRequest

log = logging.getLogger(__name__)

REQUESTS_PER_WINDOW = 3
REQUEST_WINDOW = timedelta(minutes=10)
PAUSE_AFTER_REFUSAL = timedelta(minutes=15)
# Rows older than both windows count for nothing: they go as new requests are made.
KEEP_ROWS = max(REQUEST_WINDOW, PAUSE_AFTER_REFUSAL) + timedelta(minutes=5)
WAIT_SECONDS = 25.0  # one wait call holds at most this long (under clients' 30 s timeouts)
POLL_SECONDS = 0.25  # how often a waiting call reads the request's row

REFUSALS = ("denied", "wrong")
START_OVER = "This login has expired or ended. Log in again with your password."
PAUSED = ("Approval from your signed-in devices is paused for {wait} after a sign-in was "
          "refused there.")
TOO_MANY = ("Your signed-in devices were asked to approve {count} sign-ins in the last "
            "{window} minutes; no more are sent for {wait}.")
OTHER_FACTOR = " Use your authenticator app or a recovery code instead."
CLOSED_MESSAGES = {
    "approved": "You approved the sign-in.",
    "denied": "The sign-in was refused.",
    "wrong": "That was not the number shown: the sign-in was stopped.",
    "expired": "The request expired.",
    "withdrawn": "The sign-in was finished another way.",
}
SECURE_ACCOUNT = (" If it was not you, someone knows your password: change it now, which "
                  "ends every other session.")
REFUSED_FOR_WAITER = {
    "denied": "The sign-in was refused on your signed-in device.",
    "wrong": "A wrong number was picked on your signed-in device, so this sign-in was "
             "stopped.",
}


@dataclass(frozen=True)
class Offer:
    """What the login's second step says of approval: the number to show, or why there
    is none this time (and the seconds until there can be)."""

    number: int | None = None
    note: str | None = None
    retry_after: int | None = None


def _wait_words(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()) + 1)


def _why_not(user_id: int, now: datetime) -> Offer | None:
    """Why no request may go to the account now (paused, too many), or None."""
    refused = (LoginApproval.select(LoginApproval.answered_at)
               .where(LoginApproval.user == user_id, LoginApproval.outcome.in_(REFUSALS),
                      LoginApproval.answered_at > now - PAUSE_AFTER_REFUSAL)
               .order_by(LoginApproval.answered_at.desc()).first())
    if refused is not None:
        wait = _seconds_until(refused.answered_at + PAUSE_AFTER_REFUSAL, now)
        return Offer(note=PAUSED.format(wait=_wait_words(wait)), retry_after=wait)
    recent = list(LoginApproval.select(LoginApproval.created_at)
                  .where(LoginApproval.user == user_id,
                         LoginApproval.created_at > now - REQUEST_WINDOW)
                  .order_by(LoginApproval.created_at.asc()))
    if len(recent) >= REQUESTS_PER_WINDOW:
        wait = _seconds_until(recent[0].created_at + REQUEST_WINDOW, now)
        return Offer(note=TOO_MANY.format(count=len(recent),
                                          window=int(REQUEST_WINDOW.total_seconds() // 60),
                                          wait=_wait_words(wait)), retry_after=wait)
    return None


def _three_numbers() -> tuple[int, list[int]]:
    """The right number and the three shown (the right one among two others), shuffled."""
    numbers = secrets.SystemRandom().sample(range(10, 100), 3)
    right = numbers[0]
    secrets.SystemRandom().shuffle(numbers)
    return right, numbers


def _open_request(user_id: int, challenge_hash: str, caller: Caller,
                  lifetime: timedelta) -> LoginApproval | Offer:
    """A new request row, or why none may be made. On PostgreSQL the user's row is locked
    first, so requests racing from many workers are counted one after another."""
    database = database_proxy.obj
    with database.atomic():
        if database.for_update:
            User.select(User.id).where(User.id == user_id).for_update().first()
        now = utcnow()
        LoginApproval.delete().where(LoginApproval.created_at < now - KEEP_ROWS).execute()
        refusal = _why_not(user_id, now)
        if refusal is not None:
            return refusal
        right, numbers = _three_numbers()
        return LoginApproval.create(
            user=user_id, request_id=secrets.token_urlsafe(16), challenge_hash=challenge_hash,
            number=right, numbers=",".join(map(str, numbers)),
            device=caller.user_agent[:300], ip=caller.ip[:64],
            created_at=now, expires_at=now + lifetime)


def _request_event(row: LoginApproval) -> dict:
    event = LoginApprovalRequest(
        request_id=row.request_id, numbers=[int(n) for n in row.numbers.split(",")],
        device=row.device, ip=row.ip, at=row.created_at, expires_at=row.expires_at)
    return event.model_dump(mode="json")


async def _tell_closed(ctx: Context, user_id: int, request_id: str, outcome: str) -> dict:
    closed = LoginApprovalClosed(
        request_id=request_id, outcome=outcome,
        message=CLOSED_MESSAGES[outcome] + (SECURE_ACCOUNT if outcome in REFUSALS else ""),
        secure_account=outcome in REFUSALS)
    body = closed.model_dump(mode="json")
    await ctx.tell_account(user_id, "login_approval_closed", body)
    return body


async def offer(ctx: Context, user: User, caller: Caller, challenge_hash: str) -> Offer:
    """Ask the account's signed-in devices to approve the login waiting on the challenge
    whose hash is `challenge_hash`; the number its device must show, or why not."""
    lifetime = timedelta(seconds=ctx.settings.approval_timeout_seconds)
    made = await ctx.store.run(_open_request, user.id, challenge_hash, caller, lifetime)
    if isinstance(made, Offer):
        return made
    try:
        await ctx.tell_account(user.id, "login_approval_request", _request_event(made))
    except ServiceError as error:  # other workers' sockets are out of reach for now
        log.warning("approval request %s reached only this worker: %s", made.id, error.message)
    await audit.record(ctx, "approval_requested", caller, user=user)
    return Offer(number=made.number)


# --- the signed-in device answers ------------------------------------------------------

def _approved_by_approval(session_id: int) -> bool:
    row = Session.get_or_none(Session.id == session_id)
    return row is None or bool(row.by_approval)


def _settle(user_id: int, request_id: str, number: int | None) -> LoginApproval:
    """Record the answer (None: a refusal); the row, its outcome set. A refusal or a
    wrong number ends the login's challenge and mails the owner, in the same
    transaction. Refusals that no longer apply are ServiceErrors."""
    with database_proxy.obj.atomic():
        row = LoginApproval.get_or_none(LoginApproval.request_id == request_id,
                                        LoginApproval.user == user_id)
        if row is None:
            raise ServiceError(Status.NOT_FOUND, "There is no such request for your account.")
        now = utcnow()
        outcome = "denied" if number is None else (
            "approved" if number == row.number else "wrong")
        answered = (LoginApproval.update(outcome=outcome, answered_at=now)
                    .where(LoginApproval.id == row.id, LoginApproval.outcome.is_null(),
                           LoginApproval.expires_at > now)
                    .execute())
        if not answered:
            raise ServiceError(Status.FAILED_PRECONDITION,
                               "This request has been answered already or has expired.")
        row.outcome, row.answered_at = outcome, now
        if outcome in REFUSALS:
            LoginChallenge.delete().where(LoginChallenge.token_hash == row.challenge_hash
                                          ).execute()
            owner = User.get_by_id(user_id)
            outbox.queue(approval_refused_letter(
                recipient=owner.email, username=owner.username, device=row.device,
                ip=row.ip, wrong_number=outcome == "wrong"))
    return row


async def answer(ctx: Context, caller: Caller, *, user_id: int, session_id: int,
                 request: LoginApprovalAnswer) -> dict:
    """Settle a request from a signed-in socket; the `login_approval_closed` body, which
    every socket of the account receives too."""
    if await ctx.store.run(_approved_by_approval, session_id):
        raise ServiceError(Status.PERMISSION_DENIED,
                           "This device was itself signed in by approval, so it cannot "
                           "approve another sign-in. Use a device you signed in on with "
                           "your password.")
    row = await ctx.store.run(_settle, user_id, request.request_id,
                              None if request.deny else request.number)
    outcome = str(row.outcome)  # settled just now
    user = await ctx.store.run(User.get_by_id, user_id)
    event = {"approved": "approval_approved", "denied": "approval_denied",
             "wrong": "approval_wrong_number"}[outcome]
    await audit.record(ctx, event, caller, user=user, detail=f"from {row.ip}"[:200])
    if outcome in REFUSALS:
        ctx.mail_queued()
    return await _tell_closed(ctx, user_id, row.request_id, outcome)


async def withdraw(ctx: Context, challenge_hash: str) -> None:
    """The login finished another way (a TOTP or recovery code): its open request ends
    on every device."""
    row = await ctx.store.run(_withdraw, challenge_hash)
    if row is not None:
        await _tell_closed(ctx, row.user_id, row.request_id, "withdrawn")


def _withdraw(challenge_hash: str) -> LoginApproval | None:
    row = LoginApproval.get_or_none(LoginApproval.challenge_hash == challenge_hash,
                                    LoginApproval.outcome.is_null())
    if row is None:
        return None
    ended = (LoginApproval.update(outcome="withdrawn", answered_at=utcnow())
             .where(LoginApproval.id == row.id, LoginApproval.outcome.is_null()).execute())
    return row if ended else None


# --- the new device waits ----------------------------------------------------------

@dataclass(frozen=True)
class Seen:
    """What a waiting call reads each time: the request, and whether its challenge is
    still open."""

    request: LoginApproval | None
    challenge_open: bool


def _look(challenge_hash: str) -> Seen:
    request = (LoginApproval.select()
               .where(LoginApproval.challenge_hash == challenge_hash)
               .order_by(LoginApproval.id.desc()).first())
    challenge_open = LoginChallenge.select().where(
        LoginChallenge.token_hash == challenge_hash,
        LoginChallenge.expires_at > utcnow()).exists()
    return Seen(request, challenge_open)


def _expire(request_id: str) -> bool:
    return bool(LoginApproval.update(outcome="expired", answered_at=utcnow())
                .where(LoginApproval.request_id == request_id,
                       LoginApproval.outcome.is_null()).execute())


def _take_challenge(challenge_hash: str) -> User | None:
    """Consume the approved login's challenge; its user, or None when another call (or
    a code) finished it first."""
    row = LoginChallenge.get_or_none(LoginChallenge.token_hash == challenge_hash)
    if row is None:
        return None
    if not LoginChallenge.delete().where(LoginChallenge.id == row.id).execute():
        return None
    return User.get_by_id(row.user_id)


async def _approved(ctx: Context, challenge_hash: str, caller: Caller) -> ApprovalWaitReply:
    user = await ctx.store.run(_take_challenge, challenge_hash)
    if user is None:
        raise unauthenticated(START_OVER)
    if user.disabled_at is not None:
        raise ServiceError(Status.PERMISSION_DENIED, DISABLED)
    token, expires_at = await open_session(ctx, user, caller, amr=METHODS_APPROVAL,
                                             by_approval=True)
    await audit.record(ctx, "login_success", caller, user=user,
                       detail="second factor: approval")
    return ApprovalWaitReply(message=f"Welcome back, {user.username}.", approved=True,
                             token=token, expires_at=expires_at, user=as_reply(user))


async def _expired(ctx: Context, request: LoginApproval, caller: Caller) -> ServiceError:
    if await ctx.store.run(_expire, request.request_id):
        await _tell_closed(ctx, request.user_id, request.request_id, "expired")
        user = await ctx.store.run(User.get_by_id, request.user_id)
        await audit.record(ctx, "approval_expired", caller, user=user)
    # Only an account with an authenticator app has another factor to offer here.
    if await ctx.store.run(confirmed_totp, request.user_id):
        return unauthenticated("Nobody approved this sign-in in time." + OTHER_FACTOR
                               + " Or log in again to send a new request.")
    return unauthenticated("Nobody approved this sign-in in time. Log in again to send a "
                           "new request.")


@serves(calls.LOGIN_APPROVAL_WAIT)
async def login_approval_wait(ctx: Context, request: ApprovalWaitRequest,
                              caller: Caller) -> ApprovalWaitReply:
    """Hold the call until the request is answered or expires, or WAIT_SECONDS pass."""
    challenge_hash = token_digest(request.challenge)
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        seen = await ctx.store.run(_look, challenge_hash)
        approval = seen.request
        if approval is None:
            if seen.challenge_open:
                raise ServiceError(Status.FAILED_PRECONDITION,
                                   "No device was asked to approve this login." + OTHER_FACTOR)
            raise unauthenticated(START_OVER)
        if approval.outcome == "approved":
            return await _approved(ctx, challenge_hash, caller)
        if approval.outcome in REFUSALS:
            raise unauthenticated(REFUSED_FOR_WAITER[approval.outcome]
                                  + " Log in again later, or use another factor.")
        if approval.outcome == "expired" or (approval.outcome is None
                                             and approval.expires_at <= utcnow()):
            raise await _expired(ctx, approval, caller)
        if approval.outcome is not None or not seen.challenge_open:
            raise unauthenticated(START_OVER)
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0 or ctx.stopping.is_set():  # a stopping server does not hold the call
            return ApprovalWaitReply(
                message="Still waiting for your signed-in device: call again.",
                approved=False)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ctx.stopping.wait(), min(POLL_SECONDS, left))
