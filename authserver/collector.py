"""The cyclic garbage collector, tuned for a server holding many long-lived objects, and a
probe that times its pauses.

With thousands of sockets a process holds millions of objects. CPython's collector
stops the loop while it walks a generation; the oldest one holds nearly all of them, so
a full pass took hundreds of milliseconds. What is done here makes passes smaller and
full ones rarer; it cannot make a full pass over thousands of live sockets short:

- what start-up made (modules, the application, the contracts' models) is moved out of
  the collector's sight with `gc.freeze()`, once: it lives as long as the process anyway
  (freezing again later would keep the cycles of sockets closed since forever);
- the young generation is collected every GEN0_THRESHOLD allocations instead of 700, so
  fewer objects of requests in flight survive into the older generations, while the
  middle one stays small (at most GEN0 x GEN1 objects per pass);
- full passes come only after GEN2_THRESHOLD middle ones (CPython also waits until a
  full pass would find a quarter more objects than the last one found), but not much
  rarer than that (see the table).

Measured on a shared 2-core machine (longest pause, the collector's CPU time in brackets):

| thresholds | 2,000 sockets opened and held | 10 x 1,000 sockets opened and closed |
|---|---|---|
| 700/10/10 (CPython's), no freeze | 358 ms (299), a full pass | 541 ms (538); RSS 160 MB |
| 2,000/5/100 | 15 ms (9), no full pass | 1,389 ms (1,052); RSS 255 MB |
| 2,000/5/25 (these) | 248 ms (216), a full pass | 577 ms (546); RSS 184 MB |

Rarer full passes help a server that only gains sockets, but each closed socket leaves
about 95 objects in reference cycles (Engine.IO's Tornado driver makes a class per
connection; a closed stream keeps an OSError with its traceback), which only a full pass
frees: the rarer the passes, the more garbage each one walks, and the more memory waits
for it. These values keep memory and the worst pause near CPython's under churn.
"""

import gc
import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

GEN0_THRESHOLD = 2_000
GEN1_THRESHOLD = 5
GEN2_THRESHOLD = 25


@dataclass
class PauseProbe:
    """The longest collection, from `gc.callbacks`: in wall time (how long the loop
    stood still) and in the CPU time of its thread (the collector's own work: on a
    busy machine the wall time also holds the time the thread waited for a core)."""

    longest_ms: float = 0.0
    longest_generation: int = -1
    longest_cpu_ms: float = 0.0
    collections: int = 0
    _started: float = 0.0
    _started_cpu: float = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started, self._started_cpu = time.perf_counter(), time.thread_time()
            return
        pause_ms = (time.perf_counter() - self._started) * 1000
        self.longest_cpu_ms = max(self.longest_cpu_ms,
                                  (time.thread_time() - self._started_cpu) * 1000)
        self.collections += 1
        if pause_ms > self.longest_ms:
            self.longest_ms, self.longest_generation = pause_ms, info["generation"]

    def describe(self) -> str:
        return (f"longest collector pause {self.longest_ms:.1f} ms (generation "
                f"{self.longest_generation}; longest in CPU time {self.longest_cpu_ms:.1f} ms)"
                f" in {self.collections} collections")


def tune() -> PauseProbe:
    """Freeze what start-up made, raise the thresholds, and start timing pauses; call once
    the server is built, before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)
    probe = PauseProbe()
    gc.callbacks.append(probe)
    return probe


def untune(probe: PauseProbe) -> None:
    gc.callbacks.remove(probe)
    log.info("%s", probe.describe())
