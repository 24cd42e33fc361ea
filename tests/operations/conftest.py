"""The operator's view: `authserver` commands run as subprocesses on real databases."""

import getpass
import subprocess

import pytest

from tests.support.redis import need_redis
from tests.support.server import TEST_SECRET, run_authserver


@pytest.fixture
def redis_url() -> str:
    return need_redis()


@pytest.fixture(scope="session")
def os_user() -> str:
    return getpass.getuser()


@pytest.fixture
def authserver():
    """Run `authserver ARGS` against `database_url` (extra variables as keywords; None
    leaves a variable unset)."""

    def run(database_url: str | None, *args: str, stdin: str = "", cwd=None,
            **env: str | None) -> subprocess.CompletedProcess:
        base = {"SECRET_KEY": TEST_SECRET, "BCRYPT_ROUNDS": "4", **env}
        base = {name: value for name, value in base.items() if value is not None}
        if database_url is not None:
            base["DATABASE_URL"] = database_url
        return run_authserver(base, *args, stdin=stdin, cwd=cwd)

    return run
