"""Moving data in and out: `authserver db export FILE`, `authserver db import FILE`
(the portable JSON-lines format of services/operator/portable.py), and `authserver import-legacy
PATH` (the users of the original Flask app)."""

import argparse
import asyncio
import os
import sqlite3
import tempfile

from authserver.operator.output import say
from authserver.services import audit
from authserver.services.operator import legacy_import as legacy
from authserver.services.operator import portable
from authserver.services.operator.context import operator_caller, operator_context


def add_commands(commands, add_setting_flags) -> None:
    database = commands.add_parser("db", help="export or import the whole database")
    actions = database.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write every table to FILE as JSON lines")
    export.add_argument("file")
    export.set_defaults(run=_export, read_only=True)
    add_setting_flags(export)
    load = actions.add_parser("import", help="load an export into an empty database")
    load.add_argument("file")
    load.set_defaults(run=_import)
    add_setting_flags(load)
    original = commands.add_parser(
        "import-legacy", help="import the users of the original Flask app's SQLite database"
    )
    original.add_argument("path", help="the original app's database file")
    original.set_defaults(run=_import_legacy)
    add_setting_flags(original)


def _write(handle, lines: list[str]) -> None:
    handle.writelines(line + "\n" for line in lines)


async def _export_to(settings, handle) -> int:
    written = 0
    async with operator_context(settings) as ctx:
        async for lines in portable.export_lines(ctx):
            await asyncio.to_thread(_write, handle, lines)
            written += len(lines)
    return written


def _export(settings, args: argparse.Namespace) -> int:
    """Write the export to a new file only its owner can read (password hashes inside),
    beside the one named, and rename it into place once complete: a file already there
    keeps no mode of its own, and a failed export leaves no half file."""
    directory = os.path.dirname(os.path.abspath(args.file))
    descriptor, temporary = tempfile.mkstemp(prefix=".export-", dir=directory)  # 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            written = asyncio.run(_export_to(settings, handle))
        os.replace(temporary, args.file)
    except BaseException:
        os.unlink(temporary)
        raise
    say(f"exported {written - 1} row(s) to {args.file}")
    return 0


def _read(path: str) -> dict[str, list[dict]]:
    with open(path, encoding="utf-8") as handle:
        return portable.parse(handle)


async def _import_from(settings, path: str) -> int:
    try:
        rows = await asyncio.to_thread(_read, path)
    except OSError as exc:
        say(f"db import: cannot read {path}: {exc.strerror}", err=True)
        return 1
    except portable.PortableError as exc:
        say(f"db import: {path}: {exc}", err=True)
        return 1
    async with operator_context(settings) as ctx:
        try:
            counts = await portable.import_rows(ctx, rows)
        except portable.PortableError as exc:
            say(f"db import: {exc}", err=True)
            return 1
        await audit.record(ctx, "accounts_imported", operator_caller("db import"),
                           detail=f"{counts['user']} account(s) from {os.path.basename(path)}")
    say("imported " + ", ".join(f"{count} {table}" for table, count in counts.items()))
    return 0


def _import(settings, args: argparse.Namespace) -> int:
    return asyncio.run(_import_from(settings, args.file))


async def _import_legacy_from(settings, path: str) -> int:
    try:
        rows = await asyncio.to_thread(legacy.read_original, path)
    except sqlite3.Error as exc:
        say(f"import-legacy: {path} is not the original app's database ({exc})", err=True)
        return 1
    async with operator_context(settings) as ctx:
        report = await legacy.import_users(ctx, rows)
        await audit.record(ctx, "accounts_imported", operator_caller("import-legacy"),
                           detail=f"{len(report.imported)} account(s) from the original app")
    say(f"imported {len(report.imported)} account(s); their passwords keep working and "
        "become bcrypt at their next login")
    for username, why in report.skipped:
        say(f"skipped {username}: {why}", err=True)
    return 0


def _import_legacy(settings, args: argparse.Namespace) -> int:
    if not os.path.isfile(args.path):
        say(f"import-legacy: no file at {args.path}", err=True)
        return 1
    return asyncio.run(_import_legacy_from(settings, args.path))
