"""Asking a signed-in person for their current password again before a change that a
borrowed or stolen session must not make alone (password, address, deleting the account).

Wrong answers are counted per client and, for clients without the account's device
cookie, against a wider account-wide cap (services/owner_guesses.py), and checked one at
a time, so a session cannot be turned into a way of guessing the password, and a
borrowed session's wrong answers do not lock the owner's re-checks.
"""

from collections.abc import Awaitable, Callable

from authserver.errors import invalid, unauthenticated
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.owner_guesses import PASSWORD_CHECK, counters
from authserver.services.sessions.lifecycle import SignedIn
from authserver.store.models import User

TOO_MANY_WRONG = "Too many wrong passwords. Try again in {wait}."


def stored_user(user_id: int) -> User | None:
    return User.get_or_none(User.id == user_id)


async def recheck(ctx: Context, caller: Caller, who: User,
                  proves: Callable[[User], Awaitable[bool]], *, refusal: str, field: str,
                  detail: str) -> User:
    """`who`'s full user row once `proves(row)` says the caller is its owner: answers are
    taken one at a time per account, refused (RESOURCE_EXHAUSTED) while the caller's
    counters are spent, and a wrong one is counted, audited with `detail` and refused
    with `refusal` on `field` (INVALID_ARGUMENT)."""
    limits = counters(ctx, caller, PASSWORD_CHECK, who.id)
    async with ctx.limiter.serial.hold(f"reauth:user:{who.id}"):
        await limits.check(ctx, caller, TOO_MANY_WRONG, who)
        user = await ctx.store.run(stored_user, who.id)
        if user is None:  # deleted since the session was looked up
            raise unauthenticated("This account no longer exists.")
        if not await proves(user):
            await limits.count(ctx)
            await audit.record(ctx, "reauth_failure", caller, user=user, detail=detail)
            raise invalid(refusal, field=field)
    return user


async def confirm_password(ctx: Context, caller: Caller, signed_in: SignedIn,
                           password: str) -> User:
    """The caller's full user row when `password` is theirs; INVALID_ARGUMENT (on the
    `current_password` field) when it is not, RESOURCE_EXHAUSTED after too many."""
    return await recheck(ctx, caller, signed_in.user,
                         lambda user: ctx.passwords.check(password, user.password_hash),
                         refusal="That is not your current password.",
                         field="current_password", detail="wrong current password")
