"""Fixtures for authcli's tests: a private config dir, a runner for the real command, and
verified accounts made through the real server."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from loadtests.payloads import Account, new_account
from tests.lifecycle.support import CODE_OF, mails

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


class Authcli:
    """Runs `python -m cli` as a person would, with its own HOME and XDG dirs."""

    def __init__(self, home: Path, server: str, base_args: tuple[str, ...] = ()) -> None:
        self.home = home
        self.server = server
        self.base_args = base_args
        self.env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "AUTHCLI_SERVER": server,
            "PYTHONPATH": str(REPO),
        }
        for name in ("SSH_HOST", "SSH_PORT", "SSH_USER", "SSH_KEY_PATH", "SSH_AUTH_SOCK"):
            self.env.pop(name, None)

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 60,
                 env: dict[str, str] | None = None) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "cli", *self.base_args, *args], input=stdin, capture_output=True,
            text=True, timeout=timeout, env={**self.env, **(env or {})}, cwd=self.home,
            check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    def token_files(self) -> list[Path]:
        return sorted((self.home / "config" / "authcli" / "sessions").glob("*.json"))

    def signup_verified(self, any_server, prefix: str = "u") -> Account:
        """A new account, signed up and verified through this command."""
        account = new_account(prefix)
        signup = self("signup", "--username", account.username, "--email", account.email,
                      "--password-stdin", stdin=account.password + "\n")
        assert signup.code == 0, signup.err
        code = any_server.code_for(account.email)
        verify = self("verify", "--email", account.email, "--code", code)
        assert verify.code == 0, verify.err
        return account

    def login(self, account: Account) -> Result:
        return self("login", "--username", account.username, "--password-stdin",
                    stdin=account.password + "\n")


def mailed_code(server, email: str, kind: str, *, count: int = 1,
                timeout: float = 10.0) -> str:
    """The code of the `count`-th mail of that kind ("reset", "email_change") to `email`,
    read from the real SMTP sink, waiting for it to arrive."""
    subject = {"reset": "password reset code", "email_change": "email change code"}[kind]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails(server, email, subject)
        if len(found) >= count:
            return CODE_OF[kind].search(found[count - 1]).group(1)
        time.sleep(0.02)
    raise AssertionError(f"no {subject} mail number {count} for {email} within {timeout}s")


def wait_for_mail(server, email: str, subject: str, *, timeout: float = 10.0) -> str:
    """The body of the first mail to `email` whose subject contains `subject`, read from
    the real SMTP sink, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails(server, email, subject)
        if found:
            return found[0]
        time.sleep(0.02)
    raise AssertionError(f"no mail with {subject!r} for {email} within {timeout}s")


@pytest.fixture
def authcli(any_server, tmp_path: Path) -> Authcli:
    home = tmp_path / "home"
    home.mkdir()
    return Authcli(home, any_server.url)


@pytest.fixture
def other_authcli(any_server, tmp_path: Path) -> Authcli:
    """A second person, with their own config dir."""
    home = tmp_path / "other"
    home.mkdir()
    return Authcli(home, any_server.url)
