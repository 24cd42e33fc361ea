"""python -m loadtests.scale [--database-url postgresql://...] [--sqlite]
[--accounts 10000,100000,1000000] [--samples 50] --out DIR

How each call's cost grows with the data. For each backend (PostgreSQL in a fresh
database made beside --database-url's, dropped after; SQLite in a temporary file with
--sqlite or without --database-url) it starts the server once (one worker, cost-4
hashes, RATE_LIMITS=off, mail to a local sink), then for each size, smallest first:
loads accounts up to that size (with a session, a chat message and an audit event each),
times every call (loadtests/scale/calls.py), adds as many expired sessions as accounts
and times `authserver prune` deleting them while health is asked without pause. Writes
DIR/results.json, DIR/report.md, DIR/latency.png and DIR/logs/.
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from loadtests import databases, servers
from loadtests.scale import calls, report
from loadtests.scale.loader import Loader


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 10000,100000") from None
    if not sizes or sizes[0] < 10:
        raise argparse.ArgumentTypeError("each size is at least 10 accounts")
    return sizes


class Progress:
    """One line per step, and a line redrawn in place while loading."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"\r[scale {time.monotonic() - self.started:7.1f}s] {text}", flush=True)

    def loading(self, label: str, done: int, total: int) -> None:
        end = "\n" if done == total else ""
        bar = "#" * (30 * done // max(total, 1))
        print(f"\r[scale {time.monotonic() - self.started:7.1f}s] {label:<40} "
              f"[{bar:<30}] {done:,}/{total:,}", end=end, flush=True)


async def _prune(env: dict[str, str], client: calls.Client, logdir: Path) -> dict:
    """`authserver prune` as its own process, health asked throughout."""
    log = logdir / "prune.log"
    began = time.monotonic()
    with open(log, "ab") as out:  # noqa: ASYNC230 (opened once, before the timing)
        process = await asyncio.create_subprocess_exec(
            *servers.python("-m", "authserver", "prune", "--quiet"), stdout=out,
            stderr=subprocess.STDOUT, env={**os.environ, **env})
        waiting = asyncio.create_task(process.wait())
        health = await calls.health_while(client, waiting)
        if await waiting != 0:
            raise RuntimeError(f"authserver prune failed: see {log}")
    said = log.read_text().strip().splitlines()[-1]
    # "deleted 0 audit events, 0 sent mails, 1000000 expired sessions"
    rows = sum(int(part.split()[0]) for part in said.removeprefix("deleted ").split(", "))
    return {"seconds": round(time.monotonic() - began, 2), "rows": rows, "health": health,
            "said": said}


async def _backend(name: str, url: str, sizes: list[int], samples: int, workdir: Path,
                   logdir: Path, progress: Progress) -> dict:
    results: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        sink, _ = servers.smtp_sink(stack, workdir, logdir)
        env = {**servers.server_env(workdir, url, sink.port), "BCRYPT_ROUNDS": "4"}
        server = servers.authserver(stack, logdir, env)
        progress.say(f"{name}: server on {server.url}")
        loader = Loader(url, progress.loading)
        await loader.admin()
        loaded = 0
        async with aiohttp.ClientSession() as http:
            client = calls.Client(server.url, http)
            for serial, size in enumerate(sizes, start=1):
                began = time.monotonic()
                progress.say(f"{name}: loading to {size:,} accounts")
                await loader.accounts(loaded, size)
                loaded = size
                load_seconds = time.monotonic() - began
                progress.say(f"{name}: timing calls at {size:,} accounts")
                figures = await calls.measure_calls(client, size, samples)
                await loader.expired_sessions(size, serial)
                progress.say(f"{name}: retention pass over {size:,} expired sessions")
                pruned = await _prune(env, client, logdir)
                progress.say(f"{name}: {pruned['said']} in {pruned['seconds']} s")
                results[str(size)] = {"calls": figures, "retention": pruned,
                                      "load_seconds": round(load_seconds, 1)}
    return results


async def _run(args, out: Path, progress: Progress) -> dict:
    backends: dict[str, dict] = {}
    logdir = out / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="authserver-scale-") as tmp:
        if args.database_url:
            url = await databases.create_database(args.database_url, "authserver_scale")
            try:
                backends["postgresql"] = await _backend(
                    "postgresql", url, args.accounts, args.samples, Path(tmp), logdir, progress)
            finally:
                await databases.drop_database(args.database_url, url)
        if args.sqlite or not args.database_url:
            url = f"sqlite:///{Path(tmp) / 'scale.db'}"
            backends["sqlite"] = await _backend(
                "sqlite", url, args.accounts, args.samples, Path(tmp), logdir, progress)
    return {"accounts": args.accounts, "samples": args.samples, "backends": backends}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.scale",
                                     description="How each call's cost grows with the data.")
    parser.add_argument("--database-url", help="PostgreSQL server to make a fresh database on")
    parser.add_argument("--sqlite", action="store_true", help="SQLite too (always without "
                        "--database-url)")
    parser.add_argument("--accounts", type=_sizes, default=_sizes("10000,100000"),
                        help="sizes, comma-separated (default 10000,100000)")
    parser.add_argument("--samples", type=int, default=50, help="timed runs per call (50)")
    parser.add_argument("--out", type=Path, default=Path("scale-results"),
                        help="folder for the results (scale-results)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    progress = Progress()
    results = asyncio.run(_run(args, args.out, progress))
    report.write(args.out, results)
    progress.say(f"wrote {args.out / 'results.json'}, report.md and latency.png")
    print(json.dumps({backend: {size: {call: figure["median_ms"] for call, figure in
                                       sizes[size]["calls"].items()} for size in sizes}
                      for backend, sizes in results["backends"].items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
