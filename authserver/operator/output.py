"""How the operator's commands print times: always with their zone (UTC)."""

from datetime import UTC, datetime


def timestamp(moment: datetime, *, iso: bool = False) -> str:
    """A stored (naive, UTC) time as '2026-12-02 07:40:00 UTC', or in ISO 8601 as the API
    writes times ('2026-12-02T07:40:00Z')."""
    aware = moment.replace(tzinfo=UTC)
    if iso:
        return aware.isoformat().replace("+00:00", "Z")
    return f"{aware:%Y-%m-%d %H:%M:%S} UTC"
