"""The vendored Socket.IO client is the one package-lock.json pins."""

import json
import re

from webui import STATIC_DIR
from webui.refresh_vendor import HERE, PACKAGE, TARGET, locked_version


def test_vendored_client_is_the_locked_version():
    banner = TARGET.read_text(encoding="utf-8")[:200]
    match = re.search(r"Socket\.IO v(\d+\.\d+\.\d+)", banner)
    assert match, "the vendored file lost its version banner"
    assert match.group(1) == locked_version(), "run python -m webui.refresh_vendor"


def test_package_json_pins_what_the_lock_holds():
    manifest = json.loads((HERE / "package.json").read_text(encoding="utf-8"))
    pinned = manifest["dependencies"][PACKAGE]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "pin an exact version"
    assert pinned == locked_version()
    assert pinned.startswith("4.8.")


def test_vendored_file_is_where_the_page_imports_it_from():
    assert TARGET.parent == STATIC_DIR / "vendor"
    chat = (STATIC_DIR / "js" / "chat.js").read_text(encoding="utf-8")
    assert f'from "../vendor/{TARGET.name}"' in chat
