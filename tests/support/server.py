"""The real server, run as `python -m authserver serve` on a free port."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.ports import free_port

TEST_SECRET = "test-secret-key-0123456789abcdef"
# Settings a test's own environment may carry that must not leak into a command it runs.
SERVER_SETTINGS = {"SECRET_KEY", "AUTHSERVER_ENV", "PORT", "BCRYPT_ROUNDS"}
ERROR_LINE = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) |^Traceback ", re.MULTILINE)


class ServerProcess:
    """One server process, its log, and the settings it was started with."""

    def __init__(self, *, database_url: str, log_path: Path, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "DATABASE_URL": database_url,
            "BCRYPT_ROUNDS": "4",
            "SECRET_KEY": TEST_SECRET,
            "SMTP_SECURITY": "none",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.mailbox = None

    def code_for(self, email: str, **options) -> str:
        """The code mailed to `email` (see Mailbox.code_for)."""
        return self.mailbox.code_for(email, **options)

    async def acode_for(self, email: str, **options) -> str:
        return await self.mailbox.acode_for(email, **options)

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        environ = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        log = open(self.log_path, "a")  # noqa: SIM115 - the child writes to it until stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "authserver", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)],
            env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log()}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def errors_since(self, offset: int) -> list[str]:
        """Lines logged at ERROR (or tracebacks) after `offset` bytes of the log."""
        with open(self.log_path) as handle:
            handle.seek(offset)
            text = handle.read()
        return [match.group(0) + text[match.end():].split("\n", 1)[0]
                for match in ERROR_LINE.finditer(text)]


def run_authserver(env: dict[str, str], *args: str, stdin: str = "",
                   timeout: float = 30, cwd=None) -> subprocess.CompletedProcess:
    """`python -m authserver ARGS` to its end (in folder `cwd`), with `env` over this
    environment (less its server settings); its output captured as text."""
    environ = {key: value for key, value in os.environ.items() if key not in SERVER_SETTINGS}
    return subprocess.run([sys.executable, "-m", "authserver", *args], input=stdin,
                          env={**environ, **env}, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
