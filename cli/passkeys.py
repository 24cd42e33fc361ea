"""Passkeys from the terminal: list them, rename one, remove one. Adding one needs a
browser (WebAuthn talks to the authenticator through it): the web UI's Account page."""

import argparse

from cli.context import Context
from cli.framework import Asker, Option, Outcome, info, model, ok, value
from cli.times import day_and_time
from contracts import service as calls
from contracts.messages import (
    Notice,
    PasskeyInfo,
    PasskeyList,
    RemovePasskeyRequest,
    RenamePasskeyRequest,
)

PASSKEY_ID = Option("id", "the passkey's id, as 'passkeys' lists it", "Passkey id", kind=int)
NAME = Option("name", "its new name, to tell it apart", "New name")


async def passkeys(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    listing: PasskeyList = await ctx.signed_in(calls.LIST_PASSKEYS)
    lines = [info(f"  {passkey.id:<5}{passkey.name}  (added {day_and_time(passkey.created_at)}"
                  f", {_used(passkey)})") for passkey in listing.passkeys]
    if not lines:
        lines = [info("No passkeys. Add one on the web UI's Account page.")]
    else:
        lines.append(info(f"Rename one: {ctx.hint('passkey-rename ID NAME')}; remove one: "
                          f"{ctx.hint('passkey-remove ID')}"))
    return Outcome(listing, lines)


def _used(passkey: PasskeyInfo) -> str:
    return f"last used {day_and_time(passkey.last_used_at)}" if passkey.last_used_at \
        else "never used"


async def rename(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    passkey_id = await value(ctx, args, ask, PASSKEY_ID)
    name = await value(ctx, args, ask, NAME)
    reply: PasskeyInfo = await ctx.signed_in(calls.RENAME_PASSKEY, model(
        RenamePasskeyRequest, passkey_id=passkey_id, name=name))
    return Outcome(reply, [ok(f"Passkey {reply.id} is now called {reply.name!r}.")])


async def remove(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    passkey_id = await value(ctx, args, ask, PASSKEY_ID)
    reply: Notice = await ctx.signed_in(calls.REMOVE_PASSKEY,
                                        model(RemovePasskeyRequest, passkey_id=passkey_id))
    return Outcome(reply, [ok(reply.message)])
