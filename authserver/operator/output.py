"""How the operator's commands print: times always with their zone (UTC), and every
text through one escaper, so a name or address stored by anyone cannot move the cursor,
clear the screen or forge a line in the operator's terminal.

The commands print only through `say`, `say_row`, `say_json` and `progress`, which escape
what they are given (tests/operations/test_operator_output.py holds every module of the
package to it): a new command cannot forget."""

import json
import sys
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


def say(text: str = "", *, err: bool = False, flush: bool = False) -> None:
    """One line, escaped, on standard output (or standard error)."""
    print(escaped(text), file=sys.stderr if err else sys.stdout, flush=flush)


def say_row(*fields: object, flush: bool = False) -> None:
    """One tab-separated line, each field escaped (a tab inside a field too)."""
    print("\t".join(escaped(str(field)) for field in fields), flush=flush)


def say_json(value: object, *, flush: bool = False) -> None:
    """One JSON object per line; JSON writes every control and non-ASCII character as an
    escape (`ensure_ascii`), so nothing in it acts on the terminal."""
    print(json.dumps(value, ensure_ascii=True), flush=flush)


def progress(text: str) -> None:
    """`text` escaped over the last progress line on standard error (no newline: the next
    one overwrites it; `say(err=True)` ends it)."""
    print("\r" + escaped(text), end="", file=sys.stderr, flush=True)


def timestamp(moment: datetime, *, iso: bool = False) -> str:
    """A stored (naive, UTC) time as '2026-12-02 07:40:00 UTC', or in ISO 8601 as the API
    writes times ('2026-12-02T07:40:00Z')."""
    aware = moment.replace(tzinfo=UTC)
    if iso:
        return aware.isoformat().replace("+00:00", "Z")
    return f"{aware:%Y-%m-%d %H:%M:%S} UTC"
