"""What a DATABASE_URL names."""

SQLITE_PREFIX = "sqlite:///"


def sqlite_path(database_url: str) -> str | None:
    """The file of a `sqlite:///path` URL (relative, or absolute with four slashes)."""
    if database_url.startswith(SQLITE_PREFIX):
        return database_url[len(SQLITE_PREFIX):]
    return None
