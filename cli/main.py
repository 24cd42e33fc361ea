"""`authcli`: parse the command line, open the tunnel if asked, run one command or the REPL,
and turn every failure into one line and an exit code."""

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

from prompt_toolkit.formatted_text import fragment_list_to_text

from cli.catalog import COMMANDS
from cli.client import ApiClient
from cli.context import Context
from cli.errors import ApiError, CliError, NotLoggedIn, Unreachable, UsageError
from cli.framework import Outcome
from cli.parser import DEFAULT_SERVER, build_parser, remote_address
from cli.session_store import SessionStore
from contracts import ErrorReply, Status

log = logging.getLogger("cli")

_QUIET = ("socketio", "engineio", "paramiko", "sshtunnel", "aiohttp", "asyncio")


def configure_logging(debug: bool) -> None:
    """Libraries log their own failures; the person sees our one line unless --debug."""
    if debug:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
        return
    for name in _QUIET:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
    for name in ("socketio.client", "engineio.client"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    # sshtunnel logs why a connection failed; the tunnel reads those lines, nobody else.
    tunnel_log = logging.getLogger("cli.tunnel.sshtunnel")
    tunnel_log.setLevel(logging.ERROR)
    tunnel_log.propagate = False
    logging.getLogger().addHandler(logging.NullHandler())


class ScriptAsker:
    """Values a script must give as options; a password from stdin or a terminal prompt."""

    def __init__(self, password_stdin: bool) -> None:
        self.password_stdin = password_stdin

    async def text(self, label: str, *, default: str = "") -> str:
        raise UsageError(f"{label} is required")

    async def secret(self, label: str, *, confirm: bool = False, missing: str = "") -> str:
        if self.password_stdin:
            line = sys.stdin.readline().rstrip("\r\n")
            if not line:
                raise UsageError(missing or "--password-stdin: nothing on standard input")
            return line
        if not sys.stdin.isatty():
            raise UsageError("no terminal to ask for the password; "
                             "pipe it in with --password-stdin")
        first = getpass.getpass(f"{label}: ")
        if confirm and getpass.getpass(f"{label} again: ") != first:
            raise UsageError("the passwords do not match")
        return first


def _terminal_passphrase() -> Callable[[str], str] | None:
    try:
        with open("/dev/tty"):
            return getpass.getpass
    except OSError:
        return None


def _status_of(exc: CliError) -> str:
    if isinstance(exc, ApiError):
        return exc.code.value
    if isinstance(exc, NotLoggedIn):
        return Status.UNAUTHENTICATED.value
    if isinstance(exc, Unreachable):
        return Status.UNAVAILABLE.value
    if isinstance(exc, UsageError):
        return Status.INVALID_ARGUMENT.value
    return Status.FAILED_PRECONDITION.value


def report(exc: CliError, *, as_json: bool) -> None:
    """One line on stderr; with --json also the error body on stdout."""
    print(f"authcli: {exc}", file=sys.stderr)
    if as_json:
        reply = (exc.reply if isinstance(exc, ApiError)
                 else ErrorReply(error=exc.message, code=_status_of(exc)))
        body = reply.model_dump(mode="json", exclude_none=True)
        print(json.dumps(body))


def show(outcome: Outcome, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(outcome.reply.model_dump(mode="json", exclude=outcome.json_exclude)))
        return
    for line in outcome.lines:
        print(fragment_list_to_text(line))


async def _run(args: argparse.Namespace, server: str, base_url: str,
               via: str | None) -> int:
    async with ApiClient(base_url, describe=server if via is None
                         else f"{server} via ssh {via}") as api:
        ctx = Context(server=server, api=api, store=SessionStore(server, via), via=via)
        if args.command is None:
            from cli.repl import Repl  # the REPL's imports are only paid for when used

            return await Repl(ctx, debug=args.debug).run()
        command = COMMANDS[args.command]
        outcome = await command.run(ctx, args, ScriptAsker(
            getattr(args, "password_stdin", False)))
        show(outcome, as_json=args.json)
        return 0


def run(args: argparse.Namespace) -> int:
    server = (args.server or os.environ.get("AUTHCLI_SERVER") or DEFAULT_SERVER).rstrip("/")
    remote_address(server)  # a malformed URL is a usage error before anything else
    ssh = args.ssh or os.environ.get("SSH_HOST")
    if args.command is None and not sys.stdin.isatty():
        raise UsageError("the interactive prompt needs a terminal; give a command "
                         "(authcli --help lists them)")
    tunnel = None
    base_url, via = server, None
    if ssh:
        from cli.tunnel import Tunnel, parse_target  # paramiko is slow to import; only here

        env_port = os.environ.get("SSH_PORT")
        target = parse_target(ssh, user=os.environ.get("SSH_USER"),
                              port=int(env_port) if env_port and env_port.isdigit() else None)
        tunnel = Tunnel(target, server,
                        key_path=args.ssh_key or os.environ.get("SSH_KEY_PATH") or None,
                        accept_new=args.ssh_accept_new, ask_passphrase=_terminal_passphrase())
        via = str(target)
        base_url = tunnel.open()
    try:
        return asyncio.run(_run(args, server, base_url, via))
    finally:
        if tunnel is not None:
            tunnel.close()


def main(argv: list[str] | None = None) -> NoReturn:
    """The console script."""
    args = build_parser().parse_args(argv)
    configure_logging(args.debug)
    try:
        code = run(args)
    except CliError as exc:
        if args.debug:  # what led to the refusal (a transport error, say), for a bug report
            traceback.print_exc()
        report(exc, as_json=args.json)
        code = exc.exit_code
    except KeyboardInterrupt:
        print("authcli: interrupted", file=sys.stderr)
        code = 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(f"authcli: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)
