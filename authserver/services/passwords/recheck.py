"""Asking a signed-in person for their current password again before a change that a
borrowed or stolen session must not make alone (password, address, deleting the account).

Wrong answers are counted per client and, for clients without the account's device
cookie, against a wider account-wide cap (services/owner_guesses.py), and checked one at
a time, so a session cannot be turned into a way of guessing the password, and a
borrowed session's wrong answers do not lock the owner's re-checks.
"""

from authserver.errors import invalid, unauthenticated
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.owner_guesses import PASSWORD_CHECK, counters
from authserver.services.sessions.lifecycle import SignedIn
from authserver.store.models import User

TOO_MANY_WRONG = "Too many wrong passwords. Try again in {wait}."


def _stored(user_id: int) -> User | None:
    return User.get_or_none(User.id == user_id)


async def confirm_password(ctx: Context, caller: Caller, signed_in: SignedIn,
                           password: str) -> User:
    """The caller's full user row when `password` is theirs; INVALID_ARGUMENT (on the
    `current_password` field) when it is not, RESOURCE_EXHAUSTED after too many."""
    limits = counters(ctx, caller, PASSWORD_CHECK, signed_in.user.id)
    async with ctx.limiter.serial.hold(f"reauth:user:{signed_in.user.id}"):
        await limits.check(ctx, caller, TOO_MANY_WRONG, signed_in.user)
        user = await ctx.store.run(_stored, signed_in.user.id)
        if user is None:  # deleted since the session was looked up
            raise unauthenticated("This account no longer exists.")
        if not await ctx.passwords.check(password, user.password_hash):
            await limits.count(ctx)
            await audit.record(ctx, "reauth_failure", caller, user=user,
                               detail="wrong current password")
            raise invalid("That is not your current password.", field="current_password")
    return user
