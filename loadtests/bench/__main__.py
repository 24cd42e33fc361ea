"""python -m loadtests.bench [--quick] [--only oidc] --out DIR [--database-url URL]

Starts an SMTP sink, the server (fresh SQLite in a temporary folder unless
--database-url is given) and a bare Tornado reference on free loopback ports, measures
every figure (median of 3 runs, 1 with --quick), and writes DIR/results.json,
DIR/raw.json, DIR/report.md and DIR/latency.png (DIR/runs-so-far.json as each run ends,
DIR/logs/ for every process). Every process it starts is ended.
"""

import argparse
import contextlib
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from loadtests import payloads, servers
from loadtests.bench import http_load, measure, oidc, report

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SOCKETS_HELD = 20_000
# The server's own descriptors besides its sockets (database, log, Redis, the loop's
# epoll, bcrypt's threads): 28 were open at 19,972 sockets under a hard limit of 20,000,
# where a server cannot hold 20,000 sockets and the run waited minutes for the last few.
DESCRIPTORS_BESIDE_SOCKETS = 200

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.bench",
                                     description="Measure the server beside bare Tornado.")
    parser.add_argument("--quick", action="store_true",
                        help="one short run with 2,000 sockets (a smoke test, not figures)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    parser.add_argument("--database-url", help="e.g. postgresql://... (default: fresh SQLite)")
    parser.add_argument("--runs", type=int, help="runs to take the median of (3; 1 with --quick)")
    parser.add_argument("--postgres-url", default=measure.DEFAULT_POSTGRES,
                        help="PostgreSQL server on which the two-worker figure makes a "
                             "database of its own when the run is on SQLite (WORKERS=2 "
                             f"refuses SQLite; default: {measure.DEFAULT_POSTGRES})")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS),
                        help=f"Redis for the two-worker figure (default: {DEFAULT_REDIS})")
    parser.add_argument("--only", choices=["oidc"],
                        help="only bare Tornado, /api/health, /api/me and the OpenID "
                             "Provider's figures, into DIR/results.json (no report)")
    args = parser.parse_args(argv)
    if not http_load.available():
        parser.error(f"wrk not found at {http_load.WRK}: apt-get install wrk")
    if not servers.redis_answers(args.redis_url):
        parser.error(f"Redis does not answer at {args.redis_url} (me_rps_2_workers needs it)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers.raise_open_files_limit()
    args.out.mkdir(parents=True, exist_ok=True)
    plan = _plan(args.quick, args.only)
    runs = args.runs or (1 if args.quick else 3)
    started = time.monotonic()

    def progress(text: str) -> None:
        print(f"[bench {time.monotonic() - started:6.1f}s] {text}", flush=True)

    with tempfile.TemporaryDirectory(prefix="authserver-bench-") as tmp, \
            contextlib.ExitStack() as stack:
        setup = _start(stack, Path(tmp), args.out / "logs", args.database_url, args.redis_url,
                       args.postgres_url, progress)
        results = []
        for run in range(runs):
            progress(f"run {run + 1} of {runs}")
            results.append(measure.once(setup, plan, run, progress))
            (args.out / "runs-so-far.json").write_text(json.dumps(results, indent=2) + "\n")
        points = [] if args.only else measure.curve(setup, plan, progress)
        progress("stopping every process")
    figures = {key: statistics.median(result[key] for result in results) for key in results[0]}
    if args.only:
        (args.out / "results.json").write_text(json.dumps(figures, indent=2) + "\n")
        progress(f"wrote {args.out / 'results.json'}")
        return 0
    figures["bcrypt_rounds"] = plan.bcrypt_rounds
    missing = [key for key in measure.KEYS if key not in figures]
    if missing:
        raise SystemExit(f"no figure for {missing}")
    machine = report.machine(database=args.database_url or "sqlite (fresh, temporary)",
                             server_version=setup.version)
    raw = {"runs": results, "curve": points, "machine": machine, "plan": vars(plan),
           "wrk": [result.as_dict() for result in setup.wrk_runs], "pids": setup.pids}
    (args.out / "results.json").write_text(json.dumps(figures, indent=2) + "\n")
    (args.out / "raw.json").write_text(json.dumps(raw, indent=2) + "\n")
    report.write(args.out, figures, raw, quick=args.quick, runs=runs)
    progress(f"wrote {args.out / 'results.json'} and {args.out / 'report.md'}")
    return 0


def _plan(quick: bool, only: str | None = None) -> measure.Plan:
    return measure.Plan(
        seconds=3 if quick else 10,
        sockets_target=2_000 if quick else min(SOCKETS_HELD, servers.open_files_limit()
                                               - DESCRIPTORS_BESIDE_SOCKETS),
        sockets_open_limit_s=60 if quick else 180,
        fanout_rounds=5 if quick else 20,
        echo_messages=10 if quick else 25,
        bcrypt_rounds=int(os.environ.get("BCRYPT_ROUNDS", "12")),
        cores=len(os.sched_getaffinity(0)),
        curve_connections=(1, 8, 64) if quick else (1, 2, 4, 8, 16, 32, 64, 128),
        only=only,
    )


def _start(stack: contextlib.ExitStack, workdir: Path, logdir: Path, database_url: str | None,
           redis_url: str, postgres_url: str, progress) -> measure.Setup:
    logdir.mkdir(parents=True, exist_ok=True)
    progress("starting the SMTP sink, the server and bare Tornado")
    sink, maildir = servers.smtp_sink(stack, workdir, logdir)
    env = servers.server_env(workdir, database_url, sink.port)
    server = servers.authserver(stack, logdir, env)
    bare = servers.bare_tornado(stack, logdir)
    # The server checks one login at a time per account and address (a guessing defence),
    # so saturating the hashing pool takes several accounts, taken in turn.
    count = 4 * len(os.sched_getaffinity(0))
    progress(f"creating {count} verified accounts with `authserver users create`")
    tag = secrets.token_hex(3)
    accounts = payloads.read_accounts(servers.create_accounts(workdir, env, count, f"b{tag}u"))
    setup = measure.Setup(workdir=workdir, logdir=logdir, server=server, bare=bare,
                          env=env, maildir=maildir, accounts=accounts, tag=tag,
                          token=measure.login(server.url, accounts[0]), redis_url=redis_url,
                          postgres_url=postgres_url)
    progress("registering an app with `authserver clients create --json`")
    setup.oidc_app = oidc.register(env)
    setup.version = _health(server.url).get("version", "?")
    setup.pids += [sink.pid, server.pid, bare.pid]
    return setup


def _health(url: str) -> dict:
    with urllib.request.urlopen(url + payloads.HEALTH, timeout=10) as reply:  # noqa: S310
        return json.loads(reply.read())


if __name__ == "__main__":
    sys.exit(main())
