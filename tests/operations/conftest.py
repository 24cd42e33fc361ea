"""The operator's view: `authserver` commands run as subprocesses on real databases."""

import getpass
import os
import subprocess

import pytest
import redis

from tests.need import need
from tests.support.server import TEST_SECRET, run_authserver

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> str:
    need(redis_available(), f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


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
