"""Debian's nginx in front of test servers, configured from the shipped deploy/nginx.conf
with only the addresses changed (and a header naming the instance that answered)."""

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx.conf"
UPSTREAM_HEADER = "X-Test-Upstream"

MAIN = """\
worker_processes 1;
pid {scratch}/nginx.pid;
error_log {scratch}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {scratch}/access.log;
    client_body_temp_path {scratch}/client_body;
    proxy_temp_path {scratch}/proxy;
    fastcgi_temp_path {scratch}/fastcgi;
    uwsgi_temp_path {scratch}/uwsgi;
    scgi_temp_path {scratch}/scgi;
    include {scratch}/authserver.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)


def write_config(scratch: Path, *, port: int, upstreams: list[str]) -> Path:
    """The main config (everything in `scratch`) including the shipped file, whose
    upstream servers and listening port are replaced by these."""
    site = SHIPPED.read_text()
    servers = "\n".join(f"    server {address};" for address in upstreams)
    site, count = re.subn(r"(?:^\s*server \S+:5000;\n)+", servers + "\n", site, flags=re.M)
    assert count == 1, "deploy/nginx.conf: expected one block of upstream servers"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("proxy_buffering off;",
                        f"proxy_buffering off;\n        add_header {UPSTREAM_HEADER} "
                        "$upstream_addr always;")
    (scratch / "authserver.conf").write_text(site)
    config = scratch / "nginx.conf"
    config.write_text(MAIN.format(scratch=scratch))
    return config


class Nginx:
    def __init__(self, scratch: Path, port: int, upstreams: list[str]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.config = write_config(scratch, port=port, upstreams=upstreams)
        self.scratch = scratch
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> "Nginx":
        self.process = subprocess.Popen(
            [nginx_binary(), "-c", str(self.config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
