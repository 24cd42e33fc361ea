"""Wrong answers to an account's own secrets asked again after the password (a second
factor at the login's second step, the current password re-checked from a session), and
how they are counted so that a stranger cannot spend the owner's tries.

Whoever holds the password (or a borrowed session) could otherwise lock the owner's
codes and re-checks with five wrong tries. So each client counts its own: one limit
(`<family>_client`) per account and client, where a client is its device cookie for the
account when it shows a valid one (security/devices.py), else its address or IPv6 /64.
Clients with no device cookie also share a wider account-wide cap (`<family>_user`),
which stops a guesser spread over many addresses; the owner's known devices are not held
by it, as at login. A password reset, which proves the mailbox, lifts them (`lift`).
"""

from dataclasses import dataclass

from authserver.security.devices import device_of
from authserver.services import throttling
from authserver.services.context import Caller, Context
from authserver.store.models import User

SECOND_FACTOR = "second_factor"
PASSWORD_CHECK = "password_check"  # noqa: S105 (a limit family, no password)
FAMILIES = (SECOND_FACTOR, PASSWORD_CHECK)


@dataclass(frozen=True)
class Counters:
    """The limits one client's wrong answers for one account are checked and counted
    against: (limit name, key) pairs."""

    limits: tuple[tuple[str, str], ...]

    async def check(self, ctx: Context, caller: Caller, message: str, user: User) -> None:
        """Refuse, counting nothing, when any of the limits is spent."""
        for name, key in self.limits:
            await throttling.check(ctx, caller, name, key, message, user=user)

    async def count(self, ctx: Context) -> None:
        """Count one wrong answer against every limit."""
        for name, key in self.limits:
            await ctx.limiter.count(name, key)


def _client_keys(ctx: Context, caller: Caller, user_id: int) -> tuple[str, str | None]:
    """The account's key and the caller's client key for it: its device cookie when
    valid for the account, else its address (/64)."""
    account = f"user:{user_id}"
    device = device_of(ctx.settings.secret_key, caller.device, user_id)
    return account, (f"device:{device}" if device else None)


def counters(ctx: Context, caller: Caller, family: str, user_id: int) -> Counters:
    """The counters of `family` (SECOND_FACTOR or PASSWORD_CHECK) for this caller's wrong
    answers about account `user_id`."""
    account, device = _client_keys(ctx, caller, user_id)
    if device is not None:
        return Counters(((f"{family}_client", f"{account}|{device}"),))
    return Counters(((f"{family}_client", f"{account}|{caller.client}"),
                     (f"{family}_user", account)))


async def lift(ctx: Context, caller: Caller, user_id: int) -> None:
    """Forget the account's wrong answers counted account-wide and those of the caller's
    client (address and device cookie): the mailbox was just proved from it."""
    account, device = _client_keys(ctx, caller, user_id)
    for family in FAMILIES:
        await ctx.limiter.clear(f"{family}_user", account)
        await ctx.limiter.clear(f"{family}_client", f"{account}|{caller.client}")
        if device is not None:
            await ctx.limiter.clear(f"{family}_client", f"{account}|{device}")
