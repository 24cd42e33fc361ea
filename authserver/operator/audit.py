"""`authserver audit [--user U] [--since 1h] [--follow]`: the security events, oldest first.

Each line: time (UTC), event, user, client address, user agent, detail. `--follow` keeps
printing new events as they are written, like `tail -f`, until interrupted.
"""

import argparse
import asyncio
import re
import sys
from datetime import timedelta

from peewee import fn

from authserver.errors import ServiceError
from authserver.store.database import Store
from authserver.store.models import AuditEvent, utcnow
from contracts.fields import lookup_key

FOLLOW_POLL_SECONDS = 1.0
PAGE = 1000
_SPAN = re.compile(r"^(\d+)([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def span(text: str) -> timedelta:
    """'90s', '15m', '1h', '7d', '2w' as a timedelta; argparse reports anything else."""
    match = _SPAN.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a span like 30s, 15m, 1h, 7d or 2w"
        )
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def add_commands(commands, add_setting_flags) -> None:
    audit = commands.add_parser("audit", help="show security events (logins, sign-ups ...)")
    audit.add_argument("--user", help="only events of this username")
    audit.add_argument("--since", type=span, help="only events newer than this (30m, 1h, 7d)")
    audit.add_argument("--follow", action="store_true", help="keep printing new events")
    add_setting_flags(audit)
    audit.set_defaults(run=run)


def _events(*, after_id: int, since, username: str | None) -> list[AuditEvent]:
    query = AuditEvent.select().where(AuditEvent.id > after_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= utcnow() - since)
    if username:
        query = query.where(fn.LOWER(AuditEvent.username) == lookup_key(username))
    return list(query.order_by(AuditEvent.id).limit(PAGE))


def line(event: AuditEvent) -> str:
    """One event as a tab-separated line; control characters from clients are escaped."""
    fields = (
        f"{event.created_at:%Y-%m-%d %H:%M:%S}",
        event.event,
        event.username or "-",
        event.ip,
        event.user_agent or "-",
        event.detail or "",
    )
    return "\t".join(field.encode("unicode_escape").decode("ascii") for field in fields)


async def _show(settings, args) -> int:
    store = Store(settings.database_url)
    last_id = 0
    try:
        while True:
            events = await store.run(_events, after_id=last_id, since=args.since,
                                     username=args.user)
            for event in events:
                print(line(event), flush=True)
                last_id = event.id
            if len(events) == PAGE:
                continue
            if not args.follow:
                return 0
            await asyncio.sleep(FOLLOW_POLL_SECONDS)
    finally:
        await store.close()


def run(settings, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_show(settings, args))
    except ServiceError as error:
        print(f"audit: {error.message} (has the server run once on this database?)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 0
