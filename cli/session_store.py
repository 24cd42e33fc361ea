"""Session tokens kept on disk, one file per server, readable by their owner only.

Files live in `$XDG_CONFIG_HOME/authcli/sessions/` (default `~/.config`). A server reached
through an SSH tunnel is a different server from the same URL reached directly, so the
key names both. Beside each token file, a `.device` file keeps the server's device
cookie: it outlives logout, so that the next login is known as this device's and passes
a lockout that strangers ran up on the account.
"""

import contextlib
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "authcli"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state")
    return Path(base) / "authcli"


@dataclass(frozen=True)
class StoredSession:
    server: str
    token: str
    username: str
    expires_at: str | None = None


class SessionStore:
    """The token file of one server (and SSH route)."""

    def __init__(self, server: str, via: str | None = None, *, root: Path | None = None) -> None:
        self.server = server
        self.key = server if via is None else f"{server} via ssh://{via}"
        readable = re.sub(r"[^A-Za-z0-9.-]+", "_", self.key).strip("_")[:80]
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:10]
        self.path = (root or config_dir() / "sessions") / f"{readable}-{digest}.json"
        self.device_path = self.path.with_suffix(".device")

    def load(self) -> StoredSession | None:
        """The stored session, or None when there is none or the file is unreadable."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return StoredSession(**data)
        except (OSError, ValueError, TypeError):
            return None

    def save(self, session: StoredSession) -> None:
        """Write the token atomically, created 0600 so it is never readable by others."""
        _write_private(self.path, json.dumps(asdict(session)))

    def load_device(self) -> str | None:
        """The device cookie this server gave at the last login, if any."""
        try:
            return self.device_path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def save_device(self, cookie: str) -> None:
        _write_private(self.device_path, cookie)

    def forget(self) -> bool:
        """Remove the token file; True if there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


def _write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with a file created 0600, in a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
