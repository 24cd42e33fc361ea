"""The cyclic garbage collector, tuned for a server holding many long-lived objects, and a
probe that times its pauses.

With thousands of sockets a process holds millions of objects. CPython's collector
stops the loop while it walks a generation; the oldest one holds nearly all of them, so
a full pass took hundreds of milliseconds. Two changes keep such passes out of the way:

- what start-up made (modules, the application, the contracts' models) is moved out of
  the collector's sight with `gc.freeze()`: it lives as long as the process anyway;
- the young generation is collected less often (GEN0_THRESHOLD allocations instead of
  700), so fewer objects of requests in flight survive into the older generations, and
  older passes come rarer (the third threshold; CPython also waits until a full pass
  would find a quarter more objects than the last one).

Reference counting still frees almost everything at once; only cycles wait for a pass.
"""

import gc
import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

GEN0_THRESHOLD = 20_000
GEN1_THRESHOLD = 20
GEN2_THRESHOLD = 50


@dataclass
class PauseProbe:
    """The longest pause of each generation's collections, from `gc.callbacks`."""

    longest_ms: float = 0.0
    longest_generation: int = -1
    collections: int = 0
    _started: float = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause_ms = (time.perf_counter() - self._started) * 1000
        self.collections += 1
        if pause_ms > self.longest_ms:
            self.longest_ms, self.longest_generation = pause_ms, info["generation"]

    def describe(self) -> str:
        return (f"longest collector pause {self.longest_ms:.1f} ms (generation "
                f"{self.longest_generation}) in {self.collections} collections")


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
