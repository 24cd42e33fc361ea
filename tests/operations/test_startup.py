"""Starting the server as an operator would: the paths that used to lead wrong now stop
with one sentence, and the start-up line names a URL one can open."""

import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.support.ports import free_port
from tests.support.server import SERVER_SETTINGS, TEST_SECRET, run_authserver


def test_bare_authserver_takes_serves_options(tmp_path):
    # Before: "invalid choice: '2'". Now the options reach serve, which checks them.
    refused = run_authserver({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"},
                             "--workers", "2", "--port", "1")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "authserver: WORKERS=2 needs PostgreSQL: SQLite lets one process write at a time, so "
        "the workers would queue on each other's writes (\"database is locked\"); set "
        "DATABASE_URL=postgresql://... and REDIS_URL, or run one worker.")


def test_every_problem_is_named_at_once_one_line_each(tmp_path):
    refused = run_authserver({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
                              "AUTHSERVER_ENV": "production", "WORKERS": "2",
                              "LOG_FORMAT": "xml"}, "serve")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "authserver: LOG_FORMAT: Must be one of: text, json.",
        "authserver: SECRET_KEY: required when AUTHSERVER_ENV=production (at least 16 random "
        "characters)",
        "authserver: WORKERS=2 needs PostgreSQL: SQLite lets one process write at a time, so "
        "the workers would queue on each other's writes (\"database is locked\"); set "
        "DATABASE_URL=postgresql://... and REDIS_URL, or run one worker.",
        "authserver: AUTHSERVER_ENV=production needs SMTP_SERVER to mail codes: set it, or set "
        "MAIL_BACKEND=console to print mail on the console on purpose."]
    assert not (tmp_path / "a.db").exists()


def test_two_bad_settings_give_two_lines(tmp_path):
    refused = run_authserver({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
                              "AUTHSERVER_ENV": "production"}, "serve")
    assert refused.returncode == 2
    assert [line.split(":")[1].strip() for line in refused.stderr.splitlines()] == [
        "SECRET_KEY", "AUTHSERVER_ENV=production needs SMTP_SERVER to mail codes"]


def test_several_workers_on_postgresql_need_redis_only(tmp_path):
    refused = run_authserver({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                              "WORKERS": "3"}, "serve")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "authserver: WORKERS=3 needs REDIS_URL, or chat, presence and rate limits would split "
        "between the workers: set REDIS_URL, or run one worker.")


@pytest.mark.parametrize(("env", "sentence"), [
    ({"WORKERS": "3"}, "WORKERS=3 needs PostgreSQL"),
    ({"AUTHSERVER_ENV": "production", "SECRET_KEY": TEST_SECRET},
     "AUTHSERVER_ENV=production needs SMTP_SERVER to mail codes: set it, or set "
     "MAIL_BACKEND=console to print mail on the console on purpose."),
    ({"MAIL_BACKEND": "smtp"}, "MAIL_BACKEND=smtp needs SMTP_SERVER"),
    ({"METRICS_ALLOW": "loopback"}, "METRICS_ALLOW: 'loopback' is not an address or network"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: Must be one of: text, json."),
])
def test_wrong_settings_stop_with_one_sentence(tmp_path, env, sentence):
    refused = run_authserver({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", **env}, "serve")
    assert refused.returncode == 2
    [line] = refused.stderr.splitlines()
    assert line.startswith("authserver: ") and sentence in line
    assert not (tmp_path / "a.db").exists()


def _serve_until_ready(env: dict[str, str], *args: str) -> tuple[subprocess.Popen, str]:
    """Start `authserver ARGS`; return it and its log once it says where it serves."""
    environ = {key: value for key, value in os.environ.items() if key not in SERVER_SETTINGS}
    process = subprocess.Popen([sys.executable, "-m", "authserver", *args],
                               env={**environ, **env, "PYTHONUNBUFFERED": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "serving on" in line or "Traceback" in line:
            break
    return process, "".join(lines)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()  # leave no server behind, then report the hang
        process.communicate()
        raise


def test_production_may_print_mail_when_asked_and_the_start_up_url_opens(tmp_path):
    port = free_port()
    process, log = _serve_until_ready(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "AUTHSERVER_ENV": "production",
         "SECRET_KEY": TEST_SECRET, "MAIL_BACKEND": "console", "BCRYPT_ROUNDS": "4"},
        "--port", str(port))
    try:
        assert f"serving on http://localhost:{port}" in log
        assert "0.0.0.0" not in log.splitlines()[-1]
        assert f"database: sqlite:///{tmp_path / 'a.db'}" in log
        with urllib.request.urlopen(f"http://localhost:{port}/api/health", timeout=5) as reply:
            assert reply.status == 200
    finally:
        _stop(process)
