"""The SQLite database's files are its owner's alone: they hold password hashes, sealed
secrets and mail. The server creates them so (its umask); files an older release made
readable by others (0644) are closed at start, and the log says so."""

import logging
import os
import stat

log = logging.getLogger(__name__)

SUFFIXES = ("", "-wal", "-shm", "-journal")


def close_to_others(path: str) -> list[str]:
    """Make the database at `path` and its companion files 0600 where others could read
    them; the files changed."""
    changed = []
    for name in (path + suffix for suffix in SUFFIXES):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(name, 0o600)
            log.warning("%s was readable by others (mode %o): made it 0600", name, mode)
            changed.append(name)
    return changed
