"""Raw HTTP load with wrk: throughput, latency percentiles, and who was the bottleneck.

Every run goes through a generated Lua script that sets the request and prints the
summary as JSON, so nothing depends on wrk's human-readable output. The CPU time of wrk
(from wait4) and of the target (from psutil) are kept with each result: a wrk that used
far less than its threads' worth of CPU while the target used a full core was not the
bottleneck.
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field

import psutil

WRK = shutil.which("wrk") or "/usr/bin/wrk"

# The probe: 2 connections, each pausing 10 ms between requests (about 150 requests/s),
# so its latency is that of a request arriving at a server busy with something else.
PROBE = {"connections": 2, "delay_ms": 10}

_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write("WRK-JSON ", string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout),
    "\\n")
end
"""


@dataclass
class WrkResult:
    """What one wrk run measured, with the CPU each side spent during it."""

    label: str
    connections: int
    threads: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float = 0.0
    errors: dict = field(default_factory=dict)
    wrk_cpu_percent: float = 0.0
    target_cpu_percent: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict:
        return asdict(self)


def available() -> bool:
    return os.access(WRK, os.X_OK)


def _lua(method: str, body: str | list[str] | None, headers: dict[str, str], delay_ms: int,
         unique: str | None) -> str:
    """The script: a fixed request; several bodies taken in turn (a list); or (with
    `unique`, a marker ending in X's) a body where the marker becomes its stem and a
    counter, so each request is a different sign-up."""
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{name}"] = [==[{value}]==]' for name, value in headers.items()]
    if isinstance(body, list):
        lines += [
            "local bodies = {" + ", ".join(f"[==[{each}]==]" for each in body) + "}",
            "local turn = 0",
            "request = function()",
            "  turn = turn % #bodies + 1",
            "  return wrk.format(nil, nil, nil, bodies[turn])",
            "end",
        ]
    elif body is not None and unique is None:
        lines.append(f"wrk.body = [==[{body}]==]")
    if unique is not None:
        lines += [
            "local counter = 0",
            f"local template = [==[{body}]==]",
            "request = function()",
            "  counter = counter + 1",
            f'  local body = string.gsub(template, "{unique}", "{unique.rstrip("X")}" .. counter)',
            "  return wrk.format(nil, nil, nil, body)",
            "end",
        ]
    if delay_ms:
        lines.append(f"delay = function() return {delay_ms} end")
    return "\n".join(lines) + _DONE


class WrkRun:
    """A wrk process running in the background; `result()` waits for it and reads it."""

    def __init__(self, url: str, *, label: str, duration: float, connections: int,
                 threads: int = 1, method: str = "GET", body: str | list[str] | None = None,
                 headers: dict[str, str] | None = None, delay_ms: int = 0,
                 unique: str | None = None, target_pid: int | None = None):
        self.label, self.connections, self.threads = label, connections, threads
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        with script:
            script.write(_lua(method, body, headers or {}, delay_ms, unique))
        self.script = script.name
        self.target = psutil.Process(target_pid) if target_pid else None
        self.target_cpu = _cpu(self.target)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
             "--timeout", "10s", "-s", self.script, url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )

    def result(self) -> WrkResult:
        output = self.process.stdout.read()
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - self.started
        target_cpu = _cpu(self.target) - self.target_cpu
        os.unlink(self.script)
        summary = next((line for line in output.splitlines() if line.startswith("WRK-JSON ")),
                       None)
        if self.process.returncode or summary is None:
            raise RuntimeError(f"wrk failed ({self.process.returncode}): {output[-1000:]}")
        data = json.loads(summary.removeprefix("WRK-JSON "))
        duration = data["duration_us"] / 1e6
        return WrkResult(
            label=self.label, connections=self.connections, threads=self.threads,
            requests=data["requests"], duration_s=round(duration, 2),
            rps=round(data["requests"] / duration, 1),
            p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000,
            p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000,
            errors={key: data[key] for key in ("connect", "read", "write", "status", "timeout")
                    if data[key]},
            wrk_cpu_percent=round(100 * (usage.ru_utime + usage.ru_stime) / wall, 1),
            target_cpu_percent=round(100 * target_cpu / wall, 1),
        )


def wrk(url: str, **options) -> WrkResult:
    """Run wrk to the end and return what it measured (see WrkRun for the options)."""
    return WrkRun(url, **options).result()


def _cpu(process: psutil.Process | None) -> float:
    """CPU seconds of the process and of its children, live (workers) or ended."""
    if process is None:
        return 0.0
    times = process.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(child.cpu_times()[:2])
    return total
