"""The command line, built from the command table: the same options in a shell and in the
REPL, where a missing option is asked for instead of refused."""

import argparse
from urllib.parse import urlsplit

from cli.catalog import COMMANDS
from cli.errors import UsageError
from cli.framework import Command
from contracts.version import VERSION

DEFAULT_SERVER = "http://127.0.0.1:5000"

EPILOG = f"""\
environment: AUTHCLI_SERVER (default {DEFAULT_SERVER}), SSH_HOST, SSH_PORT, SSH_USER, SSH_KEY_PATH.
exit codes: 0 done, 1 refused by the server, 2 usage, 3 cannot reach the server.
Run without a command for the interactive prompt."""


class ReplParser(argparse.ArgumentParser):
    """Raises instead of exiting, so a bad line in the REPL never ends it."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            raise UsageError(message.strip())
        raise HelpShown


class HelpShown(Exception):
    """`--help` inside the REPL: the help is printed, nothing else happens."""


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--server", metavar="URL", default=default,
                        help=f"server URL (env AUTHCLI_SERVER, default {DEFAULT_SERVER})")
    parser.add_argument("--ssh", metavar="USER@HOST[:PORT]", default=default,
                        help="reach the server through an SSH tunnel (env SSH_HOST, SSH_PORT, "
                             "SSH_USER); --server is then the URL as the SSH host sees it")
    parser.add_argument("--ssh-key", metavar="PATH", default=default,
                        help="private key for --ssh (env SSH_KEY_PATH; default: ssh-agent "
                             "and ~/.ssh keys)")
    parser.add_argument("--ssh-accept-new", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="trust and record the SSH host key if it is not yet known")
    parser.add_argument("--json", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="print the reply as JSON (errors too)")
    parser.add_argument("--debug", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="log the traffic and show tracebacks")


def add_command_arguments(parser: argparse.ArgumentParser, command: Command, *,
                          interactive: bool) -> None:
    for option in command.options:
        if option.kind is bool:
            parser.add_argument(option.flag, action="store_true", help=option.help)
        elif option.positional:
            parser.add_argument(option.flag, type=option.kind, help=option.help, nargs="?",
                                metavar=option.dest.upper())
        else:
            parser.add_argument(option.flag, type=option.kind, help=option.help,
                                required=option.required and not interactive,
                                metavar=option.dest.upper())
    if command.secrets and not interactive:
        parser.add_argument("--password-stdin", action="store_true",
                            help=f"read {command.secrets} from standard input, one a "
                                 "line, instead of a hidden prompt")
    if command.text_arg:
        parser.add_argument("text", nargs="+" if not interactive else "*",
                            help="the message")


def build_parser() -> argparse.ArgumentParser:
    """The shell's parser: global options before or after the subcommand."""
    parser = argparse.ArgumentParser(
        prog="authcli", description="Sign up, log in and chat with an authserver.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"authcli {VERSION}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        child = sub.add_parser(command.name, help=command.summary,
                               description=command.summary[:1].upper() + command.summary[1:])
        _global_options(child, suppress=True)
        add_command_arguments(child, command, interactive=False)
    return parser


def repl_parser(command: Command) -> ReplParser:
    parser = ReplParser(prog=command.name, description=command.summary, add_help=True)
    add_command_arguments(parser, command, interactive=True)
    return parser


def remote_address(server_url: str) -> tuple[str, int]:
    """The server's host and port as named in its URL (seen from the SSH host)."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--server {server_url!r}: expected http://HOST[:PORT]")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
