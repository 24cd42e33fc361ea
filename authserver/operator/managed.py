"""What `authserver clients|keys` and `authserver providers` share: a command whose
actions make, list, show, change and remove records the operator names, each action an
async function of (settings, args) run in its own event loop; a service's refusal printed
as `COMMAND ACTION: message` on standard error, with the action's exit status; and a
record printed as one JSON object or as `field: value` lines."""

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar

from authserver.errors import ServiceError
from authserver.operator.output import say, say_json, say_row
from authserver.services.context import Context
from authserver.services.operator.context import operator_context

Action = Callable[[Any, Any], Coroutine[Any, Any, int]]
T = TypeVar("T")


class Refused(Exception):
    """A service refused the action: `Command.run` prints it and exits with `status`."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def bad_input_or_missing(error: ServiceError) -> int:
    """The exit status of a change refused: 2 for bad input (as argparse's own), 1 for
    what is not there."""
    return 2 if error.status.http_status == 400 else 1


async def operate(settings, work: Callable[[Context], Awaitable[T]], *,
                  status: int | Callable[[ServiceError], int] = 1) -> T:
    """`work(ctx)` in an operator context; a refusal it raises is raised as `Refused` with
    `status` (or the status computed from the error)."""
    async with operator_context(settings) as ctx:
        try:
            return await work(ctx)
        except ServiceError as error:
            raise Refused(error.message,
                          status if isinstance(status, int) else status(error)) from None


async def print_listed(settings, listed: Callable[[Context], Awaitable[list]], as_json: bool,
                       row: Callable[[Any], tuple]) -> int:
    """Every record `listed` finds: one JSON object, or its `row`'s fields on one
    tab-separated line. A refusal is not caught here (a listing has none to make)."""
    async with operator_context(settings) as ctx:
        found = await listed(ctx)
    for record in found:
        if as_json:
            say_json(record.shown())
        else:
            say_row(*row(record))
    return 0


def print_record(shown: dict, as_json: bool) -> None:
    """One record: a JSON object, or a `field: value` line a field (a list space-separated,
    nothing as '-')."""
    if as_json:
        say_json(shown)
        return
    for name, value in shown.items():
        if isinstance(value, list):
            value = " ".join(value) or "-"
        say(f"{name}: {'-' if value is None else value}")


class Command:
    """`authserver NAME ACTION ...`: the actions' parsers, and the run of the one named."""

    def __init__(self, commands, add_setting_flags, name: str, help_text: str,
                 actions: Mapping[str, Action]) -> None:
        parser = commands.add_parser(name, help=help_text)
        self._actions = parser.add_subparsers(dest="action", required=True)
        self._add_setting_flags = add_setting_flags
        self._run = actions
        parser.set_defaults(run=self.run)

    def action(self, name: str, help_text: str, *, key: str | None = None,
               flags: Callable[[argparse.ArgumentParser], None] | None = None,
               json_flag: bool | str = False,
               read_only: bool = False) -> argparse.ArgumentParser:
        """Add the action `name`: its positional `key` (the record's name), its `flags`,
        `--json` (with `json_flag` as its help if a string), the setting flags; a
        `read_only` one refuses a database that does not exist (commands.py)."""
        parser = self._actions.add_parser(name, help=help_text)
        if key is not None:
            parser.add_argument(key)
        if flags is not None:
            flags(parser)
        if json_flag:
            parser.add_argument("--json", action="store_true",
                                help=json_flag if isinstance(json_flag, str) else None)
        if read_only:
            parser.set_defaults(read_only=True)
        self._add_setting_flags(parser)
        return parser

    def run(self, settings, args: argparse.Namespace) -> int:
        try:
            return asyncio.run(self._run[args.action](settings, args))
        except Refused as refusal:
            say(f"{args.command} {args.action}: {refusal.message}", err=True)
            return refusal.status
