"""The `authserver` command: serve (the default, with or without the word), and the
operator's commands. Each names the database it uses; the read-only ones refuse a
database that does not exist rather than create an empty one."""

import argparse
import asyncio
import logging
import os
import sys

from tornado.netutil import bind_sockets

from authserver import __version__
from authserver.database_urls import sqlite_path, without_password
from authserver.observability.logs import configure_logging
from authserver.observability.multiprocess import share_metrics_between_workers
from authserver.settings import Settings, SettingsError, load_settings

log = logging.getLogger("authserver")

_TOP_LEVEL_OPTIONS = {"-h", "--help", "--version"}


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", dest="DATABASE_URL", help="overrides DATABASE_URL")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authserver",
        description="A self-hostable authentication server. Without a command it serves: "
        "`authserver --workers 2` is `authserver serve --workers 2`.",
    )
    parser.add_argument("--version", action="version", version=f"authserver {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve HTTP and Socket.IO (the default)")
    serve.add_argument("--port", dest="PORT", help="overrides PORT (5000)")
    serve.add_argument("--host", dest="HOST", help="overrides HOST (0.0.0.0)")
    serve.add_argument("--workers", dest="WORKERS", help="overrides WORKERS (1)")
    _add_setting_flags(serve)
    from authserver.operator import audit, clients, data, prune, secrets, users

    users.add_commands(commands, _add_setting_flags)
    audit.add_commands(commands, _add_setting_flags)
    data.add_commands(commands, _add_setting_flags)
    prune.add_commands(commands, _add_setting_flags)
    clients.add_commands(commands, _add_setting_flags)
    secrets.add_commands(commands, _add_setting_flags)
    return parser


def _with_command(argv: list[str]) -> list[str]:
    """Bare `authserver [serve's options]` serves."""
    if not argv or (argv[0].startswith("-") and argv[0] not in _TOP_LEVEL_OPTIONS):
        return ["serve", *argv]
    return argv


def _several_workers(argv: list[str]) -> bool:
    """Will this serve with more than one worker? Asked before anything imports
    prometheus_client, which fixes its storage on import (see observability/multiprocess)."""
    if argv[0] != "serve":
        return False
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--workers", dest="WORKERS")
    value = peek.parse_known_args(argv[1:])[0].WORKERS or os.environ.get("WORKERS", "1")
    return value.strip().isdigit() and int(value) > 1


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    return {
        name: value for name, value in vars(args).items() if name.isupper() and value is not None
    }


def _database_url(overrides: dict[str, str]) -> str:
    return overrides.get("DATABASE_URL") or os.environ.get("DATABASE_URL") or (
        Settings.database_url)


def _named(database_url: str) -> str:
    """The database as an operator can find it: a SQLite file by its absolute path."""
    path = sqlite_path(database_url)
    if path is not None and path != ":memory:":
        return f"sqlite:///{os.path.abspath(path)}"
    return without_password(database_url)


def _run_serve(settings: Settings) -> None:
    from authserver.server import serve
    from authserver.workers import supervise

    sockets = bind_sockets(settings.port, settings.host)
    if settings.workers == 1:
        asyncio.run(serve(settings, sockets))
        return
    supervise(settings.workers, lambda worker: asyncio.run(serve(settings, sockets)))


def _exit(message: str, status: int) -> None:
    print(f"authserver: {message}", file=sys.stderr)
    sys.exit(status)


def main(argv: list[str] | None = None) -> None:
    configure_logging("text")
    # Whatever the server creates (the SQLite database and its -wal and -shm, exports)
    # is readable by its owner alone: it holds password hashes and mail.
    os.umask(0o077)
    argv = _with_command(sys.argv[1:] if argv is None else argv)
    if _several_workers(argv):
        share_metrics_between_workers()
    args = _parser().parse_args(argv)
    overrides = _overrides(args)
    database = _named(_database_url(overrides))
    path = sqlite_path(_database_url(overrides))
    if getattr(args, "read_only", False) and path and not os.path.exists(path):
        _exit(f"no database at {os.path.abspath(path)}: run this where the server's "
              "database is, or set DATABASE_URL", 1)
    serving = args.command == "serve"
    try:
        settings = load_settings(None, serving=serving, **overrides)
    except SettingsError as exc:
        # One line per problem, so an operator fixes them all in one go.
        for problem in exc.problems:
            print(f"authserver: {problem}", file=sys.stderr)
        sys.exit(2)
    configure_logging(settings.log_format)
    if serving:
        log.info("database: %s", database)
    else:
        print(f"database: {database}", file=sys.stderr)

    from authserver.errors import ServiceError
    from authserver.store.files import close_to_others
    from authserver.store.prepare import prepare_database

    if path and path != ":memory:":
        close_to_others(path)

    try:
        # Serving and the operator commands alike need the schema created and up to date.
        asyncio.run(prepare_database(settings))
    except ServiceError as exc:
        _exit(f"{database}: {exc.message}", 1)
    if serving:
        from authserver.server import prepare_provider

        try:
            refusal = asyncio.run(prepare_provider(settings))
        except ServiceError as exc:
            _exit(f"{database}: {exc.message}", 1)
        if refusal:
            _exit(refusal, 2)
        try:
            _run_serve(settings)
        except OSError as exc:
            _exit(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}", 1)
        return
    sys.exit(args.run(settings, args))
