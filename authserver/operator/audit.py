"""`authserver audit [--user U] [--since 1h] [--follow] [--json]`: the security events,
oldest first.

Each line: time (UTC), event, user, client address, user agent, detail; with `--json`
one object per line. `--follow` keeps printing new events as they are written, like
`tail -f`, until interrupted.
"""

import argparse
import asyncio
import re
from datetime import timedelta

from authserver.errors import ServiceError
from authserver.operator.output import say, say_json, say_row, timestamp
from authserver.services.operator.audit_trail import PAGE, events_after
from authserver.services.operator.context import operator_context

FOLLOW_POLL_SECONDS = 1.0
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
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    add_setting_flags(audit)
    audit.set_defaults(run=run, read_only=True)


def say_event(event) -> None:
    """One event as a tab-separated line; what clients wrote is escaped by `say_row`."""
    say_row(timestamp(event.created_at), event.event, event.username or "-", event.ip,
            event.user_agent or "-", event.detail or "", flush=True)


def say_event_json(event) -> None:
    say_json({
        "id": event.id, "time": timestamp(event.created_at, iso=True), "event": event.event,
        "user_id": event.user_id, "username": event.username, "ip": event.ip,
        "user_agent": event.user_agent, "detail": event.detail,
    }, flush=True)


async def _show(settings, args) -> int:
    last_id = 0
    render = say_event_json if args.json else say_event
    async with operator_context(settings) as ctx:
        while True:
            events = await events_after(ctx, last_id, since=args.since, username=args.user)
            for event in events:
                render(event)
                last_id = event.id
            if len(events) == PAGE:
                continue
            if not args.follow:
                return 0
            await asyncio.sleep(FOLLOW_POLL_SECONDS)


def run(settings, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_show(settings, args))
    except ServiceError as error:
        say(f"audit: {error.message}", err=True)
        return 1
    except KeyboardInterrupt:
        say(err=True)
        return 0
