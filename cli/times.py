"""Times as a person reads them: in the local zone, with the zone named.

The server sends UTC with its offset; a clock time without a zone would leave a reader
elsewhere guessing which one it is.
"""

from datetime import datetime


def moment(ts: datetime) -> str:
    """A date and time with its zone, e.g. `2026-12-02 10:30 CET`."""
    return ts.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def day_and_time(ts: datetime) -> str:
    """A short date and time with its zone, e.g. `Dec 02 10:30 CET`, for tables."""
    return ts.astimezone().strftime("%b %d %H:%M %Z")


def clock(ts: datetime) -> str:
    """A clock time with its zone, e.g. `10:30 CET`, for chat lines."""
    return ts.astimezone().strftime("%H:%M %Z")
