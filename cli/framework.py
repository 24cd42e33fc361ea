"""What a command is, once for both faces of authcli: subcommands in a shell, lines in
the REPL.

Each command declares its options (from which the argument parser and the REPL's
completion are built), runs against a `Context`, and returns an `Outcome`: the reply model
(printed as JSON with `--json`) and the lines a person reads.
"""

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from prompt_toolkit.formatted_text import FormattedText
from pydantic import BaseModel, ValidationError

from cli.context import Context
from cli.errors import UsageError
from contracts.fields import FIELD_RULES

M = TypeVar("M", bound=BaseModel)


class Asker(Protocol):
    """Where missing values come from: a prompt in the REPL, stdin or a TTY in scripts."""

    async def text(self, label: str, *, default: str = "") -> str: ...

    async def secret(self, label: str, *, confirm: bool = False, missing: str = "") -> str:
        """A secret, not shown as it is typed. `missing` says what to do when a script
        gives none (the default names --password-stdin)."""
        ...


@dataclass(frozen=True)
class Option:
    """An option (`--flag`), a positional argument (no dashes) or, with `kind=bool`, a
    switch."""

    flag: str
    help: str
    label: str = ""
    kind: type = str
    required: bool = False  # in a script; the REPL asks for it instead
    remember: bool = False  # offered again when a later command asks for it

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def positional(self) -> bool:
        return not self.flag.startswith("-")


@dataclass
class Outcome:
    reply: BaseModel
    lines: list[FormattedText] = field(default_factory=list)
    json_exclude: set[str] = field(default_factory=set)


Runner = Callable[[Context, argparse.Namespace, Asker], Awaitable[Outcome]]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    run: Runner
    options: tuple[Option, ...] = ()
    # What --password-stdin reads, one a line; empty when the command asks no secret.
    secrets: str = ""
    text_arg: bool = False  # takes free text (say)


def ok(text: str) -> FormattedText:
    return FormattedText([("class:ok", "✓ "), ("", text)])


def info(text: str) -> FormattedText:
    return FormattedText([("", text)])


def model(kind: type[M], **values: object) -> M:
    """Build a request, turning the model's complaint into a one-line usage error.

    Generic in the model, so the typed client infers each call's request from it."""
    try:
        return kind(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or kind.__name__
        # The same sentence the server would answer with, not pydantic's wording; a
        # `new_password` or `current_password` follows the rule of passwords.
        rule = FIELD_RULES.get(where) or FIELD_RULES.get(where.rsplit("_", 1)[-1])
        raise UsageError(rule or f"{where}: {first['msg']}") from None


async def value(ctx: Context, args: argparse.Namespace, ask: Asker, option: Option) -> Any:
    """The option's value: as given, or asked for, offering the last one given in this
    session (the address just signed up with, for `verify`)."""
    given = getattr(args, option.dest, None)
    if given is None:
        given = await ask.text(option.label or option.dest,
                               default=ctx.recent.get(option.dest, ""))
    if option.remember:
        ctx.recent[option.dest] = str(given)
    return given


# Options more than one command takes.
USERNAME = Option("--username", "your username (login also takes your email)", "Username",
                  required=True, remember=True)
EMAIL = Option("--email", "your email address", "Email", required=True, remember=True)
CODE = Option("--code", "the 6-digit code from the email", "Code", required=True)
