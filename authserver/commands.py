"""The `authserver` command: serve (the default), and operator commands."""

import argparse
import asyncio
import logging
import os
import sys

from tornado.netutil import bind_sockets

from authserver import __version__
from authserver.settings import SettingsError, load_settings

log = logging.getLogger("authserver")


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", dest="DATABASE_URL", help="overrides DATABASE_URL")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authserver", description="A self-hostable authentication server."
    )
    parser.add_argument("--version", action="version", version=f"authserver {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve HTTP and Socket.IO (the default)")
    serve.add_argument("--port", dest="PORT", help="overrides PORT (5000)")
    serve.add_argument("--host", dest="HOST", help="overrides HOST (0.0.0.0)")
    serve.add_argument("--workers", dest="WORKERS", help="overrides WORKERS (1)")
    _add_setting_flags(serve)
    from authserver.operator import audit, users

    users.add_commands(commands, _add_setting_flags)
    audit.add_commands(commands, _add_setting_flags)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    return {
        name: value for name, value in vars(args).items() if name.isupper() and value is not None
    }


def _run_serve(settings) -> None:
    from authserver.server import serve
    from authserver.workers import supervise

    sockets = bind_sockets(settings.port, settings.host)
    if settings.workers == 1:
        asyncio.run(serve(settings, sockets))
        return
    supervise(settings.workers, lambda worker: asyncio.run(serve(settings, sockets)))


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Whatever the server creates (the SQLite database and its -wal and -shm, exports)
    # is readable by its owner alone: it holds password hashes and mail.
    os.umask(0o077)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(None, **_overrides(args))
    except SettingsError as exc:
        print(f"authserver: {exc}", file=sys.stderr)
        sys.exit(2)
    from authserver.errors import ServiceError
    from authserver.server import prepare_database
    from authserver.store.urls import without_password

    try:
        # Serving and the operator commands alike need the schema created and up to date.
        asyncio.run(prepare_database(settings))
    except ServiceError as exc:
        print(f"authserver: {without_password(settings.database_url)}: {exc.message}",
              file=sys.stderr)
        sys.exit(1)
    if args.command in (None, "serve"):
        try:
            _run_serve(settings)
        except OSError as exc:
            print(f"authserver: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
                  file=sys.stderr)
            sys.exit(1)
        return
    sys.exit(args.run(settings, args))

