"""Refresh the vendored Socket.IO browser client from npm.

Usage: ``python -m webui.refresh_vendor`` (needs ``npm``). It runs ``npm ci`` against
``package.json`` and ``package-lock.json`` in a temporary directory, so the version is the
locked one, and copies the minified ES-module build into ``static/vendor/`` unchanged. To
move to a newer client, change the pin in ``package.json``, run
``npm install --package-lock-only --ignore-scripts`` here, then this script, and commit the
three files together (a test checks that the vendored file is the locked version).
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "socket.io-client"
BUILD = "dist/socket.io.esm.min.js"
TARGET = HERE / "static" / "vendor" / "socket.io.esm.min.js"


def locked_version(lock_file: Path = HERE / "package-lock.json") -> str:
    """The version of the Socket.IO client that `package-lock.json` pins."""
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    return lock["packages"][f"node_modules/{PACKAGE}"]["version"]


def refresh(target: Path = TARGET) -> str:
    """Install the locked client in a scratch directory and copy its build to `target`."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not on PATH: install Node.js and npm to refresh the vendor file")
    with tempfile.TemporaryDirectory(prefix="webui-vendor-") as scratch:
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(HERE / name, Path(scratch) / name)
        subprocess.run(  # noqa: S603 (a fixed command: npm found on PATH, constant arguments)
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=scratch,
            check=True,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(scratch) / "node_modules" / PACKAGE / BUILD, target)
    return locked_version()


def main() -> None:
    version = refresh()
    print(f"{TARGET.relative_to(HERE)}: {PACKAGE} {version}", file=sys.stderr)


if __name__ == "__main__":
    main()
