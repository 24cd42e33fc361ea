"""How the operator's commands print: times always with their zone (UTC), and every
text through one escaper, so a name or address stored by anyone cannot move the cursor,
clear the screen or forge a line in the operator's terminal."""

import unicodedata
from datetime import UTC, datetime

# Control characters (C0, DEL, C1) and the format characters that reorder text (bidi
# overrides and isolates) or hide it (zero-width ones).
_UNPRINTABLE = {"Cc", "Cf"}


def escaped(text: str) -> str:
    """`text` with every control or format character written as a visible escape."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in _UNPRINTABLE else char
        for char in text)


def timestamp(moment: datetime, *, iso: bool = False) -> str:
    """A stored (naive, UTC) time as '2026-12-02 07:40:00 UTC', or in ISO 8601 as the API
    writes times ('2026-12-02T07:40:00Z')."""
    aware = moment.replace(tzinfo=UTC)
    if iso:
        return aware.isoformat().replace("+00:00", "Z")
    return f"{aware:%Y-%m-%d %H:%M:%S} UTC"
