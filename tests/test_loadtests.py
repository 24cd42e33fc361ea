"""The load-test tools run end to end: the benchmark's quick run writes every figure, and
the locust mix runs for 20 seconds without a single failure. No figure is asserted:
speed is reported by the benchmark, never checked by a test. Their reports are kept under
the test artifacts (bench-quick/, locust-mix/)."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from loadtests.bench.http_load import WRK
from loadtests.bench.measure import KEYS
from tests.need import need
from tests.support import databases

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(900)


def _run(module: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, timeout=timeout,
                          capture_output=True, text=True, check=False)


def _tail(completed: subprocess.CompletedProcess) -> str:
    return f"stdout:\n{completed.stdout[-4000:]}\nstderr:\n{completed.stderr[-4000:]}"


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _server_errors(logdir: Path) -> list[str]:
    """ERROR lines and tracebacks the servers logged: under load too, a 5xx is a bug."""
    return [line for log in sorted(logdir.glob("authserver*.log"))
            for line in log.read_text(errors="replace").splitlines()
            if " ERROR " in line or line.startswith("Traceback")]


def test_quick_benchmark_writes_every_figure_and_stops_its_processes(artifacts):
    out = _fresh(artifacts / "bench-quick")
    need(shutil.which("wrk") is not None or os.access(WRK, os.X_OK),
         "wrk is not installed (apt-get install wrk)")
    # PostgreSQL: the two-worker figure needs it (WORKERS > 1 on SQLite is refused).
    need(databases.postgres_available(), "PostgreSQL is not reachable")
    database_url = databases.create_postgres_database()
    try:
        completed = _run("loadtests.bench", "--quick", "--database-url", database_url,
                         "--out", str(out), timeout=800)
    finally:
        databases.drop_postgres_database(database_url)
    assert completed.returncode == 0, _tail(completed)
    assert "[bench" in completed.stdout, "no progress was shown"

    results = json.loads((out / "results.json").read_text())
    missing = [key for key in KEYS if not isinstance(results.get(key), int | float)]
    assert not missing, f"no figure for {missing}"
    # A figure per socket: the CPU of opening them all, shared among them, cannot exceed
    # the opening's wall time on every core (it once gave the whole total instead).
    opening_cpu_ms = results["socket_open_server_cpu_ms"] * results["sockets_held"]
    assert opening_cpu_ms <= results["sockets_open_s"] * 1000 * (os.cpu_count() or 1) * 1.1
    report = (out / "report.md").read_text()
    assert all(f"`{key}`" in report for key in KEYS)
    raw = json.loads((out / "raw.json").read_text())
    alive = [pid for pid in raw["pids"] if psutil.pid_exists(pid)
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left running: {alive}"
    assert not _server_errors(out / "logs"), _server_errors(out / "logs")[:20]


def test_locust_mix_runs_twenty_seconds_without_failures(artifacts):
    out = _fresh(artifacts / "locust-mix")
    completed = _run("loadtests.mix", "--users", "20", "--spawn-rate", "10", "--run-time", "20s",
                     "--out", str(out), timeout=600)
    assert completed.returncode == 0, _tail(completed)
    assert (out / "report.html").stat().st_size > 0

    with open(out / "stats_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    assert rows["Aggregated"]["Failure Count"] == "0", _tail(completed)
    for name in ("/api/health", "/api/login", "/api/me", "/api/signup", "code arrives",
                 "chat round trip"):
        assert name in rows and int(rows[name]["Request Count"]) > 0, f"no {name!r} requests"
    assert not _server_errors(out / "logs"), _server_errors(out / "logs")[:20]
