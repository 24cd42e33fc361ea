"""`authserver secret rotate`: re-seal every sealed secret under SECRET_KEY, opening it
with SECRET_KEY_PREVIOUS (services/operator/rotation.py)."""

import argparse
import asyncio

from authserver.operator.output import say
from authserver.services.operator.context import operator_context
from authserver.services.operator.rotation import reseal_all


def add_commands(commands, add_setting_flags) -> None:
    secret = commands.add_parser("secret", help="rotate SECRET_KEY")
    actions = secret.add_subparsers(dest="action", required=True)
    rotate = actions.add_parser(
        "rotate", help="re-seal TOTP secrets and queued mail under SECRET_KEY "
        "(set the old key as SECRET_KEY_PREVIOUS)")
    rotate.set_defaults(run=_rotate)
    add_setting_flags(rotate)


async def _rotated(settings) -> list:
    async with operator_context(settings) as ctx:
        return await ctx.store.run(reseal_all, settings.secret_key,
                                   settings.secret_key_previous)


def _rotate(settings, args: argparse.Namespace) -> int:
    if not settings.secret_key_previous:
        say("authserver: set SECRET_KEY_PREVIOUS to the old key (and SECRET_KEY to the new "
            "one) to rotate", err=True)
        return 2
    unreadable = 0
    for done in asyncio.run(_rotated(settings)):
        say(f"{done.column}: {done.resealed} re-sealed, {done.unreadable} unreadable")
        unreadable += done.unreadable
    if unreadable:
        say("Unreadable values opened with neither key: their owners turn two-step login "
            "off and on again.")
    return 0
