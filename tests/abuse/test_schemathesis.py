"""schemathesis against /api/openapi.json of a running server: no server errors, no
replies outside the schema, and invalid data refused (positive and negative cases)."""

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.support.api import verified_account

CHECKS = "not_a_server_error,response_schema_conformance,negative_data_rejection"


def _schemathesis() -> list[str]:
    found = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    return [found]


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(start_server, unique,
                                                                          tmp_path):
    server = start_server()
    async with aiohttp.ClientSession() as http:
        account = await verified_account(http, server, unique)
    command = [
        *_schemathesis(), "run", f"{server.url}/api/openapi.json",
        "--checks", CHECKS, "--mode", "all", "--max-examples", "60", "--seed", "8",
        "--generation-database", "none", "--request-timeout", "10",
        "--header", f"Authorization: Bearer {account.token}",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    result = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
