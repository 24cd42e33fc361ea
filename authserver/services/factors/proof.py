"""The proof a change of credentials carries in its own request.

A session is no proof: a stolen token is as young as its owner's. So adding a passkey,
turning two-step login on or off, making new recovery codes, changing the address and
deleting the account each carry the current password (checked by
services/passwords/recheck.py, the one place that does). Where the change could add a
way in past the app the owner turned on (a passkey, new recovery codes, turning TOTP off),
an account with two-step login on also gives a code from its app or a recovery code.

An account with no password (made through an outside provider, or passkey-only) proves
itself instead with a code from its app (or a recovery code), when two-step login is on,
or with a fresh passkey assertion (services/factors/passkey_proof.py), or with a fresh
sign-in at a provider linked to it, made by the same session just before
(services/providers/reauth.py keeps it, services/factors/provider_proof.py gives it here,
once). Wrong assertions
count like wrong passwords (services/owner_guesses.py); wrong codes like any second
factor's.

Each such change is mailed to the owner (`notify`), naming it and what to do if it was not
them.
"""

from authserver.errors import invalid, unauthenticated
from authserver.mail import outbox
from authserver.mail.compose import credentials_changed_letter
from authserver.services.context import Caller, Context
from authserver.services.factors import provider_proof
from authserver.services.factors.checks import check_factor, confirmed_totp
from authserver.services.factors.passkey_proof import WRONG_PASSKEY, passkey_proves
from authserver.services.passwords.recheck import confirm_password, recheck, stored_user
from authserver.store.models import User, database_proxy

FACTOR_NEEDED = ("Two-step login is on for this account: send a code from your "
                 "authenticator app (or a recovery code) with your password.")
CURRENT_NEEDED = "Send your current password."
PROVE_IT_IS_YOU = ("This account has no password: prove it is you with one of your "
                   "passkeys, with a code from your authenticator app, or by signing in "
                   "again at a provider linked to it.")
CODE_NEEDED = ("This account has no password and two-step login is on: send a code from "
               "your authenticator app (or a recovery code).")


async def confirm_owner(ctx: Context, caller: Caller, request, *,
                        factor: bool = False) -> User:
    """The caller's user row once `request` proves the caller is its owner; the refusal
    otherwise (nothing is changed).

    `request` has `current_password` and `passkey`, and may have `code` and
    `recovery_code`. With `factor`, an account with two-step login on must also give a
    code or recovery code."""
    user = await ctx.store.run(stored_user, caller.signed_in.user.id)
    if user is None:  # deleted since the session was looked up
        raise unauthenticated("This account no longer exists.")
    code = getattr(request, "code", None)
    recovery_code = getattr(request, "recovery_code", None)
    two_step = await ctx.store.run(confirmed_totp, user.id) is not None
    if user.password_hash:
        if request.current_password is None:
            raise invalid(CURRENT_NEEDED, field="current_password")
        user = await confirm_password(ctx, caller, caller.signed_in, request.current_password)
        if factor and two_step:
            if code is None and recovery_code is None:
                raise invalid(FACTOR_NEEDED, field="code")
            await check_factor(ctx, caller, user, code=code, recovery_code=recovery_code)
        return user
    if two_step and (code is not None or recovery_code is not None):
        await check_factor(ctx, caller, user, code=code, recovery_code=recovery_code)
        return user
    if factor and two_step:
        raise invalid(CODE_NEEDED, field="code")
    if request.passkey is None:
        if await provider_proof.take(ctx, user.id, caller.signed_in.session_id):
            return user
        raise invalid(PROVE_IT_IS_YOU, field="passkey")
    await _confirm_passkey(ctx, caller, user, request.passkey)
    return user


async def _confirm_passkey(ctx: Context, caller: Caller, user: User, proof) -> None:
    await recheck(ctx, caller, user, lambda stored: passkey_proves(ctx, caller, stored, proof),
                  refusal=WRONG_PASSKEY, field="passkey", detail="passkey assertion refused")


def _queue_notice(user: User, what: str) -> None:
    with database_proxy.obj.atomic():
        outbox.queue(credentials_changed_letter(recipient=user.email, username=user.username,
                                                what=what))


async def notify(ctx: Context, user: User, what: str) -> None:
    """Mail the owner that `what` was just done to their account's ways in."""
    await ctx.store.run(_queue_notice, user, what)
    ctx.mail_queued()
