"""The proof a change of credentials carries in its own request.

A session is no proof: a stolen token is as young as its owner's. So adding a passkey,
turning two-step login on and making new recovery codes each carry the current password
(checked by services/passwords/recheck.py, the one place that does), and an account with
two-step login on also gives a code from its app or a recovery code, or whoever holds
the password alone could add a way in past the app the owner turned on.

Each such change is mailed to the owner (`notify`), naming it and what to do if it was not
them.
"""

from authserver.errors import invalid
from authserver.mail import outbox
from authserver.mail.compose import credentials_changed_letter
from authserver.services.context import Caller, Context
from authserver.services.factors.checks import check_factor, confirmed_totp
from authserver.services.passwords.recheck import confirm_password
from authserver.store.models import User, database_proxy

FACTOR_NEEDED = ("Two-step login is on for this account: send a code from your "
                 "authenticator app (or a recovery code) with your password.")


async def confirm_owner(ctx: Context, caller: Caller, *, password: str, code: str | None,
                        recovery_code: str | None) -> User:
    """The caller's user row once `password` is theirs and, with two-step login on, a
    code or recovery code is right too; the refusal otherwise (nothing is changed)."""
    user = await confirm_password(ctx, caller, caller.signed_in, password)
    if await ctx.store.run(confirmed_totp, user.id) is not None:
        if code is None and recovery_code is None:
            raise invalid(FACTOR_NEEDED, field="code")
        await check_factor(ctx, caller, user, code=code, recovery_code=recovery_code)
    return user


def _queue_notice(user: User, what: str) -> None:
    with database_proxy.obj.atomic():
        outbox.queue(credentials_changed_letter(recipient=user.email, username=user.username,
                                                what=what))


async def notify(ctx: Context, user: User, what: str) -> None:
    """Mail the owner that `what` was just done to their account's ways in."""
    await ctx.store.run(_queue_notice, user, what)
    ctx.mail_queued()
