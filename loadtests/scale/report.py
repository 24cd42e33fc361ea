"""results.json, report.md and latency.png of a scale run: each call's median latency
against the number of accounts, on log scales, one panel per backend."""

import json
import os
import platform
from pathlib import Path

# The targets at the largest size, PostgreSQL: (call, ceiling in ms).
TARGETS_MS = {
    "admin_list_first": 20, "admin_list_deep_cursor": 20,
    "admin_search_hit": 50, "admin_search_miss": 50,
}
FLAT = ("login", "me", "signup", "forgot")  # within 1.5x of the smallest size
HEALTH_P99_MS = 50


def write(out: Path, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    plotted = _plot(out / "latency.png", results["backends"])
    (out / "report.md").write_text(_markdown(results, plotted))


def _markdown(results: dict, plotted: bool) -> str:
    lines = ["# Scale benchmark", "",
             f"{platform.node()}, {os.cpu_count()} cores, {platform.python_version()}; "
             f"one worker, cost-4 hashes, rate limits off; {results['samples']} samples a "
             "call (a fifth of that for the deep offset), one after another; median / p99 "
             "in ms.", ""]
    for backend, sizes in results["backends"].items():
        counts = sorted(sizes, key=int)
        lines += [f"## {backend}", "", "| call | " + " | ".join(
            f"{int(c):,} accounts" for c in counts) + " |",
            "|---|" + "---:|" * len(counts)]
        for call in sizes[counts[0]]["calls"]:
            cells = [_cell(sizes[c]["calls"][call]) for c in counts]
            lines.append(f"| {call} | " + " | ".join(cells) + " |")
        lines.append("| retention pass (s, rows) | " + " | ".join(
            f"{sizes[c]['retention']['seconds']:.1f} s, {sizes[c]['retention']['rows']:,}"
            for c in counts) + " |")
        lines.append("| health during the pass | " + " | ".join(
            _cell(sizes[c]["retention"]["health"]) for c in counts) + " |")
        lines.append("| load time (s) | " + " | ".join(
            f"{sizes[c]['load_seconds']:.0f}" for c in counts) + " |")
        lines += ["", *_verdicts(sizes, counts), ""]
    if plotted:
        lines += ["![median latency against accounts](latency.png)", ""]
    return "\n".join(lines)


def _cell(figure: dict) -> str:
    return f"{figure['median_ms']:.1f} / {figure['p99_ms']:.1f}"


def _verdicts(sizes: dict, counts: list[str]) -> list[str]:
    """The issue's targets, checked at the largest size against the smallest."""
    top, base = sizes[counts[-1]], sizes[counts[0]]
    said = [f"Targets at {int(counts[-1]):,} accounts:"]
    for call, ceiling in TARGETS_MS.items():
        median = top["calls"][call]["median_ms"]
        said.append(f"- {call}: {median:.1f} ms (target <= {ceiling}) {_mark(median <= ceiling)}")
    for call in FLAT:
        ratio = top["calls"][call]["median_ms"] / max(base["calls"][call]["median_ms"], 0.01)
        said.append(f"- {call}: {ratio:.2f}x the {int(counts[0]):,} figure (target <= 1.5x) "
                    f"{_mark(ratio <= 1.5)}")
    p99 = top["retention"]["health"]["p99_ms"]
    said.append(f"- health p99 during retention: {p99:.1f} ms (target <= {HEALTH_P99_MS}) "
                f"{_mark(p99 <= HEALTH_P99_MS)}")
    return said


def _mark(met: bool) -> str:
    return "met" if met else "**missed**"


def _plot(path: Path, backends: dict) -> bool:
    try:
        import matplotlib  # optional: the figures do not need it
    except ImportError:
        return False
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, panels = pyplot.subplots(1, len(backends), figsize=(7 * len(backends), 5),
                                     squeeze=False)
    for axes, (backend, sizes) in zip(panels[0], backends.items(), strict=True):
        counts = sorted(sizes, key=int)
        for call in sizes[counts[0]]["calls"]:
            axes.plot([int(c) for c in counts],
                      [max(sizes[c]["calls"][call]["median_ms"], 0.01) for c in counts],
                      marker="o", label=call)
        axes.set_title(backend)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("accounts")
        axes.set_ylabel("median latency, ms")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return True
