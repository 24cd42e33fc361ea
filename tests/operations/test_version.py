"""One release number, declared in contracts/version.py, shown everywhere people look:
the health reply, OpenAPI, both commands' --version, the package and the image label."""

import re
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

from contracts.version import VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_the_release_is_a_version_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


async def test_health_and_openapi_show_the_release(http, any_server):
    async with http.get(any_server.url + "/api/health") as reply:
        assert reply.status == 200
        assert (await reply.json())["version"] == VERSION
    async with http.get(any_server.url + "/api/openapi.json") as reply:
        assert (await reply.json())["info"]["version"] == VERSION


def _version_of(module: str) -> str:
    shown = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                           text=True, timeout=60, check=True)
    return shown.stdout.strip()


def test_authserver_version_flag_shows_the_release():
    assert _version_of("authserver") == f"authserver {VERSION}"


def test_authcli_version_flag_shows_the_release():
    assert _version_of("cli") == f"authcli {VERSION}"


def test_the_package_and_the_image_label_carry_the_release():
    assert installed_version("authserver") == VERSION
    labels = re.findall(r'org\.opencontainers\.image\.version="([^"]+)"',
                        (ROOT / "Dockerfile").read_text())
    assert labels == [VERSION]
