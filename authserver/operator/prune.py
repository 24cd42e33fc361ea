"""`authserver prune`: one retention pass now (RETENTION_DAYS), as the server runs hourly.

Useful after lowering RETENTION_DAYS, or from cron where the server's own passes are not
wanted at peak time. It deletes in the same short batches as the server, printing how far
it got, and may run while servers serve the same database.
"""

import argparse
import asyncio

from authserver.errors import ServiceError
from authserver.operator.output import progress, say
from authserver.services.operator.context import operator_context
from authserver.services.upkeep.retention import Pruner


def add_commands(commands, add_setting_flags) -> None:
    prune = commands.add_parser(
        "prune", help="delete old audit rows, sent mail and expired sessions now")
    prune.add_argument("--quiet", action="store_true", help="print only the summary")
    add_setting_flags(prune)
    prune.set_defaults(run=run)


def _progress(kind: str, deleted: int) -> None:
    progress(f"{kind}: {deleted} deleted")


async def _prune(settings, quiet: bool) -> int:
    async with operator_context(settings) as ctx:
        pruner = Pruner(ctx, progress=None if quiet else _progress)
        pruned = await pruner.prune_once()
    if not quiet:
        say(err=True)
    say("deleted " + ", ".join(f"{n} {kind}" for kind, n in pruned.items()))
    return 0


def run(settings, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_prune(settings, args.quiet))
    except ServiceError as error:
        say(f"prune: {error.message}", err=True)
        return 1
