"""What a DATABASE_URL names: read by the settings, the commands and the store alike, so
it sits below all three and imports nothing."""

import re

SQLITE_PREFIX = "sqlite:///"


def sqlite_path(database_url: str) -> str | None:
    """The file of a `sqlite:///path` URL (relative, or absolute with four slashes)."""
    if database_url.startswith(SQLITE_PREFIX):
        return database_url[len(SQLITE_PREFIX):]
    return None


def without_password(database_url: str) -> str:
    """The URL fit to print: a password in it (`user:pass@`, or a `password=` query
    parameter, which libpq and asyncpg accept too) becomes `***`."""
    masked = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", database_url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", masked, flags=re.IGNORECASE)
