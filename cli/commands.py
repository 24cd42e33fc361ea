"""The commands, once for both faces of authcli: subcommands in a shell, lines in the REPL.

Each command declares its options (from which the argument parser and the REPL's
completion are built), runs against a `Context`, and returns an `Outcome`: the reply model
(printed as JSON with `--json`) and the lines a person reads.
"""

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from prompt_toolkit.formatted_text import FormattedText
from pydantic import BaseModel, ValidationError

from cli.context import Context
from cli.errors import ApiError, Refused, UsageError
from contracts import Status
from contracts import service as calls
from contracts.events import History, HistoryRequest
from contracts.fields import FIELD_RULES
from contracts.messages import (
    LoginRequest,
    Notice,
    ResendRequest,
    SignupRequest,
    VerifyEmailRequest,
)

M = TypeVar("M", bound=BaseModel)


class Asker(Protocol):
    """Where missing values come from: a prompt in the REPL, stdin or a TTY in scripts."""

    async def text(self, label: str) -> str: ...

    async def secret(self, label: str, *, confirm: bool = False) -> str: ...


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    label: str = ""
    kind: type = str
    required: bool = False  # in a script; the REPL asks for it instead

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


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
    asks_password: bool = False
    text_arg: bool = False  # takes free text (say)


def ok(text: str) -> FormattedText:
    return FormattedText([("class:ok", "✓ "), ("", text)])


def info(text: str) -> FormattedText:
    return FormattedText([("", text)])


def model(cls: type[M], **values: object) -> M:
    """Build a request, turning the model's complaint into a one-line usage error."""
    try:
        return cls(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or cls.__name__
        # The same sentence the server would answer with, not pydantic's wording.
        raise UsageError(FIELD_RULES.get(where) or f"{where}: {first['msg']}") from None


async def value(args: argparse.Namespace, ask: Asker, option: Option) -> str:
    given = getattr(args, option.dest, None)
    if given is not None:
        return given
    return await ask.text(option.label or option.dest)


USERNAME = Option("--username", "your username (login also takes your email)", "Username",
                  required=True)
EMAIL = Option("--email", "your email address", "Email", required=True)
CODE = Option("--code", "the 6-digit code from the email", "Code", required=True)
LIMIT = Option("--limit", "how many messages (default 20)", "Limit", kind=int)
BEFORE = Option("--before", "only messages older than this id", "Before id", kind=int)


async def signup(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    username = await value(args, ask, USERNAME)
    email = await value(args, ask, EMAIL)
    password = await ask.secret("Password", confirm=True)
    request = model(SignupRequest, username=username, email=email, password=password)
    reply = await ctx.api.call(calls.SIGNUP, request)
    return Outcome(reply, [ok(reply.message),
                           info(f"Next: verify --email {request.email} --code <6 digits>")])


async def verify(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(VerifyEmailRequest, email=await value(args, ask, EMAIL),
                    code=await value(args, ask, CODE))
    reply = await ctx.api.call(calls.VERIFY_EMAIL, request)
    return Outcome(reply, [ok(reply.message), info("Next: login")])


async def resend(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(ResendRequest, email=await value(args, ask, EMAIL))
    reply = await ctx.api.call(calls.RESEND_VERIFICATION, request)
    return Outcome(reply, [ok(reply.message)])


async def login(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    username = await value(args, ask, USERNAME)
    password = await ask.secret("Password")
    reply = await ctx.api.call(
        calls.LOGIN, model(LoginRequest, username=username, password=password))
    ctx.remember(reply)
    until = reply.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return Outcome(reply, [ok(f"Logged in as {reply.user.username} ({reply.user.email}) "
                              f"until {until}")], json_exclude={"token"})


async def logout(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    try:
        reply = await ctx.api.call(calls.LOGOUT)
    except ApiError as exc:
        if exc.code is not Status.UNAUTHENTICATED:
            raise
        reply = Notice(message="The session had already ended.")
    ctx.forget()
    return Outcome(reply, [ok(reply.message)])


async def whoami(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    try:
        user = await ctx.api.call(calls.ME)
    except ApiError as exc:
        if exc.code is Status.UNAUTHENTICATED:
            ctx.forget()
            raise Refused(f"the session on {ctx.describe} has expired or was revoked; "
                          "run 'authcli login' again") from exc
        raise
    state = "verified" if user.is_verified else "not verified"
    return Outcome(user, [info(f"{user.username} <{user.email}> ({state}), id {user.id}, "
                               f"since {user.created_at:%Y-%m-%d}")])


async def say(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    text = " ".join(args.text or [])
    if not text.strip():
        raise UsageError("say what? usage: say TEXT")
    async with ctx.channel() as channel:
        ack = await channel.say(text)
    return Outcome(ack, [ok(f"sent (#{ack.id})")])


def chat_line(user: str, text: str, ts: datetime, *, mine: bool = False) -> FormattedText:
    return FormattedText([
        ("class:time", ts.astimezone().strftime("%H:%M ")),
        ("class:me" if mine else "class:user", user),
        ("", ": " + text),
    ])


async def history(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(HistoryRequest, before=args.before, limit=args.limit or 20)
    async with ctx.channel() as channel:
        page: History = await channel.history(request)
    me = ctx.store.load()
    lines = [chat_line(m.user, m.text, m.ts, mine=me is not None and m.user == me.username)
             for m in page.messages]
    if not lines:
        lines.append(info("(no messages)"))
    if page.has_more and page.messages:
        lines.append(info(f"(older: history --before {page.messages[0].id})"))
    return Outcome(page, lines)


async def who(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    async with ctx.channel() as channel:
        online = await channel.who()
    names = ", ".join(online.users) or "nobody"
    return Outcome(online, [info(f"online ({len(online.users)}): {names}")])


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("signup", "create an account; a code is mailed to you", signup,
            (USERNAME, EMAIL), asks_password=True),
    Command("verify", "prove your email address with the mailed code", verify, (EMAIL, CODE)),
    Command("resend", "mail a new verification code", resend, (EMAIL,)),
    Command("login", "log in and keep the session token for this server", login,
            (USERNAME,), asks_password=True),
    Command("logout", "end the session and forget its token", logout),
    Command("whoami", "show the account of the current session", whoami),
    Command("say", "send a chat message to everyone online", say, text_arg=True),
    Command("history", "show recent chat messages", history, (LIMIT, BEFORE)),
    Command("who", "list the users online now", who),
)}
