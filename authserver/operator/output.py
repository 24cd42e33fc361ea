"""How the operator's commands print times: always with their zone (UTC)."""

from datetime import UTC, datetime


def timestamp(moment: datetime, *, iso: bool = False) -> str:
    """A stored (naive, UTC) time as '2026-12-02 07:40:00 UTC', or ISO 8601 with +00:00."""
    aware = moment.replace(tzinfo=UTC)
    if iso:
        return aware.isoformat()
    return f"{aware:%Y-%m-%d %H:%M:%S} UTC"
