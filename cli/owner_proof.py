"""The proof a credential change carries in its own request (issue 28): the current
password, asked for as always; an account with no password (made through an outside
provider, or passkey-only) gives a code from its authenticator app instead. A passkey
cannot be used from the terminal, nor a sign-in at a provider: an account with neither
password nor app is sent to the web UI, where the browser asks for one of its passkeys or
the Account view signs it in again at its provider ("Confirm with ...")."""

from cli.context import Context
from cli.errors import Refused
from cli.framework import Asker
from contracts import service as calls
from contracts.messages import Empty

APP_CODE_LABEL = "Code from your authenticator app (this account has no password)"
PASSKEY_ONLY = ("this account has no password and no authenticator app: prove it is you "
                "in the web UI, with one of your passkeys or by signing in again at your "
                "provider (\"Confirm with ...\" in the Account view)")


async def has_password(ctx: Context) -> bool:
    return (await ctx.signed_in(calls.LIST_PROVIDERS, Empty())).has_password


async def owner_proof(ctx: Context, ask: Asker, label: str = "Current password", *,
                      code_follows: bool = False) -> dict[str, str]:
    """The request fields that prove the owner: {current_password}, or, for an account
    with no password, {} when the command asks for a code anyway (`code_follows`), else
    {code} from the app."""
    if await has_password(ctx):
        return {"current_password": await ask.secret(label)}
    if code_follows:
        return {}
    status = await ctx.signed_in(calls.SECOND_FACTOR_STATUS, Empty())
    if not status.totp:
        raise Refused(PASSKEY_ONLY)
    return {"code": (await ask.secret(APP_CODE_LABEL)).strip()}
