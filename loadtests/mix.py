"""python -m loadtests.mix [--users N] [--spawn-rate R] [--run-time T] --out DIR

Runs the locust mix (loadtests/locustfile.py) headless against a server it starts on a
free loopback port (fresh SQLite, mail to an SMTP sink, rate limits off, verified
accounts from `authserver users create --count`), and writes DIR/report.html and
DIR/stats_*.csv. locust runs in its own process (gevent patches the standard library);
the exit status is locust's: non-zero when any request failed.
"""

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from loadtests import servers

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.mix", description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="20s", help="e.g. 20s, 2m")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--database-url", help="e.g. postgresql://... (default: fresh SQLite)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers.raise_open_files_limit()
    args.out.mkdir(parents=True, exist_ok=True)
    logdir = args.out / "logs"
    logdir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="authserver-mix-") as tmp, \
            contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        sink, maildir = servers.smtp_sink(stack, workdir, logdir)
        env = servers.server_env(workdir, args.database_url, sink.port)
        server = servers.authserver(stack, logdir, env)
        print(f"server on {server.url}; creating {args.users} accounts", flush=True)
        accounts = servers.create_accounts(workdir, env, args.users,
                                           f"m{secrets.token_hex(3)}u")
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
             "--host", server.url, "--users", str(args.users),
             "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time,
             "--stop-timeout", "15", "--html", str(args.out / "report.html"),
             "--csv", str(args.out / "stats"), "--only-summary",
             "--accounts", str(accounts), "--maildir", str(maildir)],
            env={**os.environ, "PYTHONPATH": _pythonpath()}, check=False,
        )
    print(f"report: {args.out / 'report.html'}", flush=True)
    return locust.returncode


def _pythonpath() -> str:
    """locust imports the locustfile by path: let it find `contracts` and `loadtests` too."""
    here = str(LOCUSTFILE.parent.parent)
    return os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))


if __name__ == "__main__":
    sys.exit(main())
