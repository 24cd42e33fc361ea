"""DIR/report.md and DIR/latency.png: the figures, the ratios, the targets, the machine."""

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

from loadtests.bench import http_load

# (figure, reference, share of it the target asks for, what it compares)
RATIOS = (
    ("health_rps", "bare_tornado_rps", 0.6, "health / bare Tornado"),
    ("me_rps", "bare_tornado_rps", 0.55, "me / bare Tornado"),
    ("login_per_s", "login_bound_per_s", 0.9, "login / bcrypt bound"),
    ("introspect_rps", "bare_tornado_rps", 0.3, "introspection / bare Tornado"),
)
# (figure, limit, "max" or "min")
LIMITS = (
    ("health_p99_ms_under_login", 25, "max"),
    ("socket_echo_p99_ms", 25, "max"),
    ("health_p99_ms_sockets_held", 50, "max"),
    ("health_max_ms_sockets_held", 100, "max"),
    ("sockets_held", 20_000, "min"),
    ("rss_kb_per_socket", 40, "max"),
    ("sockets_close_s", 2, "max"),
    ("gc_max_pause_ms", 50, "max"),
)
# Targets set for the full run's 10,000 (or 20,000) sockets, which --quick does not open.
_FULL_RUN_ONLY = ("sockets_held", "sockets_close_s")
DESCRIPTIONS = {
    "bare_tornado_rps": "bare Tornado health, requests/s (wrk, 32 connections)",
    "health_rps": "GET /api/health, requests/s (wrk, 32 connections)",
    "me_rps": "GET /api/me with a Bearer token, requests/s (wrk, 32 connections)",
    "introspect_rps": "POST /oauth2/introspect of an access token by its app (Basic "
                      "auth), requests/s (wrk, 32 connections)",
    "userinfo_rps": "GET /oauth2/userinfo with an access token, requests/s (wrk, 32 "
                    "connections)",
    "token_refresh_per_s": "refresh token rotations/s, 8 token families refreshed at once",
    "me_rps_2_workers": "the same with WORKERS=2 and REDIS_URL (a deployment's setup)",
    "bcrypt_ms": "one bcrypt hash at the configured cost, ms",
    "bcrypt_rounds": "bcrypt cost used by the server and for bcrypt_ms",
    "login_bound_per_s": "cores / bcrypt time: the most logins/s this machine can do",
    "login_per_s": "POST /api/login at saturation, logins/s",
    "health_p50_ms": "health latency p50, ~150 requests/s, no other load",
    "health_p99_ms": "health latency p99, ~150 requests/s, no other load",
    "health_p50_ms_under_login": "health latency p50 while logins saturate the CPUs",
    "health_p99_ms_under_login": "health latency p99 while logins saturate the CPUs",
    "signup_per_s": "POST /api/signup, accounts/s (mail to an SMTP sink)",
    "signup_mail_delivered_percent": "share of those sign-ups whose mail reached the sink",
    "socket_echo_p50_ms": "`message` echo round trip p50, 100 clients",
    "socket_echo_p99_ms": "`message` echo round trip p99, 100 clients",
    "socket_echo_per_s": "echo messages/s sent by the 100 clients together",
    "socket_client_cpu_percent": "CPU of the benchmark's own clients during the echo, %",
    "chat_fanout_p50_ms": "`chat` from one client to each of 100 clients, p50",
    "chat_fanout_p99_ms": "`chat` from one client to each of 100 clients, p99",
    "chat_fanout_lost": "chat deliveries that never arrived",
    "sockets_held": "authenticated WebSockets open at once in one process",
    "sockets_open_s": "time to open them",
    "socket_open_server_cpu_ms": "server CPU time per socket opened (steady on a busy machine)",
    "socket_open_client_cpu_percent": "CPU of the benchmark's own clients while opening, %",
    "health_p99_ms_sockets_held": "health latency p99 (~150 requests/s) while they are held "
                                  "and 100 of them send 5 messages/s each (beside "
                                  "health_p99_ms, the same probe with none held)",
    "health_max_ms_sockets_held": "the worst health latency over that same held period "
                                  "(a collector pause shows here, not in the p99)",
    "sockets_closed": "sockets closed for sockets_close_s (10,000, or all if fewer)",
    "sockets_close_s": "time from closing them until the server counts them gone",
    "sockets_close_server_cpu_s": "server CPU time spent meanwhile",
    "gc_max_pause_ms": "longest garbage collector pause of that server (its gc.callbacks "
                       "probe, logged as it stops)",
    "gc_max_pause_cpu_ms": "the longest pass in its thread's CPU time (without the time "
                           "it waited for a core on a busy machine)",
    "rss_kb_per_socket": "server resident memory per held socket, KiB",
}
PACKAGES = ("tornado", "python-socketio", "python-engineio", "peewee", "pydantic", "bcrypt",
            "aiohttp", "locust")


def machine(*, database: str, server_version: str) -> dict:
    """Where the figures were measured."""
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "server_version": server_version,
        "database": database,
        "load_generator": _wrk_version(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def write(out: Path, figures: dict, raw: dict, *, quick: bool, runs: int) -> None:
    """The Markdown report and its plot."""
    plotted = _plot(out / "latency.png", raw["curve"])
    lines = [
        "# authserver benchmark",
        "",
        f"{'Quick smoke run (short, 2,000 sockets): not for publishing.' if quick else ''}"
        f" Each figure is the median of {runs} run(s). Rate limits were off "
        "(`RATE_LIMITS=off`): the load comes from one address and one account.",
        "",
        "| figure | value | each run | what |",
        "|---|---:|---:|---|",
        *(f"| `{key}` | {_number(value)} | {_each_run(raw['runs'], key)} | "
          f"{DESCRIPTIONS.get(key, '')} |" for key, value in figures.items()),
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        *_targets(figures, quick),
        "",
        "## The load generator was not the bottleneck",
        "",
        f"HTTP load came from {raw['machine']['load_generator']} with one thread. Its CPU "
        "against the target's, for every run (a generator near 100% of its threads would be "
        "the limit; a target near 100% of one core is):",
        "",
        "| run | connections | requests/s | wrk CPU % | target CPU % | requests per target "
        "CPU-second | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(f"| {w['label']} | {w['connections']} | {w['rps']:,.0f} | {w['wrk_cpu_percent']} | "
          f"{w['target_cpu_percent']} | {_per_cpu_second(w)} | {w['p99_ms']:.2f} |"
          for w in raw["wrk"]),
        "",
        "Requests per CPU-second of the target change little when other programs share the "
        "machine; requests/s do.",
        "",
        f"The Socket.IO clients run in the benchmark process; during the echo they used "
        f"{figures.get('socket_client_cpu_percent', '?')}% of one core.",
        "",
        "## Latency against load",
        "",
        "![health latency against throughput](latency.png)" if plotted
        else "(matplotlib is not installed: no plot)",
        "",
        "| target | connections | requests/s | p50 ms | p99 ms | failed requests |",
        "|---|---:|---:|---:|---:|---:|",
        *(f"| {p['target']} | {p['connections']} | {p['rps']:,.0f} | {p['p50_ms']:.2f} | "
          f"{p['p99_ms']:.2f} | {p['errors']} |" for p in raw["curve"]),
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in raw["machine"].items()),
        "",
        "Reproduce: `python -m loadtests.bench --out DIR` (add `--database-url "
        "postgresql://...` for PostgreSQL).",
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))


def _targets(figures: dict, quick: bool) -> list[str]:
    rows = []
    for key, reference, share, label in RATIOS:
        ratio = figures[key] / figures[reference] if figures[reference] else 0.0
        rows.append(f"| {label} >= {share:g} | {ratio:.2f} | {_mark(ratio >= share)} |")
    for key, limit, kind in LIMITS:
        met = figures[key] <= limit if kind == "max" else figures[key] >= limit
        sign = "<=" if kind == "max" else ">="
        verdict = "n/a (quick run)" if quick and key in _FULL_RUN_ONLY else _mark(met)
        rows.append(f"| `{key}` {sign} {limit:,} | {_number(figures[key])} | {verdict} |")
    return rows


def _plot(path: Path, points: list[dict]) -> bool:
    try:
        import matplotlib  # optional: figures do not need it
    except ImportError:
        return False
    matplotlib.use("Agg")
    from matplotlib import pyplot, ticker

    figure, (latency, throughput) = pyplot.subplots(1, 2, figsize=(11, 4.5))
    for target in dict.fromkeys(point["target"] for point in points):
        mine = [point for point in points if point["target"] == target]
        load = [point["connections"] for point in mine]
        for key, style in (("p50_ms", "--"), ("p99_ms", "-")):
            latency.plot(load, [point[key] for point in mine], style, marker="o",
                         label=f"{target} {key.split('_')[0]}")
        throughput.plot(load, [point["rps"] for point in mine], marker="o", label=target)
    latency.set_ylabel("GET /api/health latency, ms")
    latency.set_yscale("log")
    throughput.set_ylabel("requests/s")
    for axes in (latency, throughput):
        axes.set_xlabel("concurrent connections (wrk)")
        axes.set_xscale("log", base=2)
        axes.xaxis.set_major_formatter(ticker.FormatStrFormatter("%d"))
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return True


def _each_run(runs: list[dict], key: str) -> str:
    return " / ".join(_number(run[key]) for run in runs if key in run)


def _per_cpu_second(run: dict) -> str:
    busy = run["target_cpu_percent"] / 100
    return f"{run['rps'] / busy:,.0f}" if busy else "?"


def _mark(met: bool) -> str:
    return "yes" if met else "**no**"


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _wrk_version() -> str:
    completed = subprocess.run([http_load.WRK, "-v"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"
