"""The scale benchmark runs end to end at a tiny size on both backends: every call is
timed at every size, the retention pass deletes the expired sessions it loaded, the
report and the plot are written, and the servers logged no error. No figure is asserted
(speed is reported by the benchmark, never checked by a test)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.need import need
from tests.support import databases

ROOT = Path(__file__).resolve().parent.parent
SIZES = (200, 400)
CALLS = {"login", "me", "signup", "forgot", "admin_list_first", "admin_list_deep_cursor",
         "admin_list_deep_offset", "admin_search_hit", "admin_search_miss", "user_detail",
         "chat_history"}
pytestmark = pytest.mark.timeout(900)


def test_the_scale_benchmark_times_every_call_at_each_size(artifacts, postgres_reachable):
    need(postgres_reachable, f"PostgreSQL is not reachable at {databases.POSTGRES_ADMIN_URL}")
    out = artifacts / "scale-tiny"
    shutil.rmtree(out, ignore_errors=True)
    completed = subprocess.run(
        [sys.executable, "-m", "loadtests.scale", "--database-url",
         databases.POSTGRES_ADMIN_URL, "--sqlite", "--accounts", ",".join(map(str, SIZES)),
         "--samples", "3", "--out", str(out)],
        cwd=ROOT, timeout=800, capture_output=True, text=True, check=False)
    tail = f"stdout:\n{completed.stdout[-3000:]}\nstderr:\n{completed.stderr[-3000:]}"
    assert completed.returncode == 0, tail
    assert "expired sessions" in completed.stdout and "/400" in completed.stdout, tail

    results = json.loads((out / "results.json").read_text())
    assert set(results["backends"]) == {"postgresql", "sqlite"}
    for sizes in results["backends"].values():
        assert set(sizes) == {str(size) for size in SIZES}
        for size, figures in sizes.items():
            assert set(figures["calls"]) == CALLS
            assert all(f["median_ms"] > 0 for f in figures["calls"].values())
            assert figures["retention"]["rows"] >= int(size)  # every expired session went
            assert figures["retention"]["health"]["samples"] > 0
    assert "| admin_search_miss |" in (out / "report.md").read_text()
    assert (out / "latency.png").stat().st_size > 0
    logs = sorted((out / "logs").glob("authserver*.log"))
    errors = [line for log in logs for line in log.read_text().splitlines()
              if " ERROR " in line or line.startswith("Traceback")]
    assert logs and not errors, errors[:20]
