"""The cyclic garbage collector, kept out of the way of a server holding many long-lived
objects, and a probe that times its pauses (the `authserver_gc_pause_seconds` histogram,
and a line at exit with the longest).

With thousands of sockets a process holds millions of objects, and CPython's collector
stops the loop while it walks a generation: a full pass over 10,000 sockets took 1.4 s.
A full pass is short only if it walks few objects, so:

- full passes are ours, once a FULL_PASS_SECONDS: CPython's own (GEN2_THRESHOLD is out
  of reach) come after the oldest generation grew by a quarter, so each walked more
  than the last. Right after ours, every survivor is moved out of the collector's sight
  (`gc.freeze()`): the next pass walks only what survived the tenth of a second since,
  as many objects as the server gained in that time, not all it holds. While 20,000
  sockets were being opened, a pass once a second paused the loop for 77 ms; four times
  a second, for up to 54 ms; ten times a second, each pass walks a tenth as much as the
  first. A pass over a server that gained nothing costs a fraction of a millisecond.
- This is safe because long-lived objects are freed by reference counting when they
  die: a closed socket leaves nothing in reference cycles (realtime/engine.py and
  realtime/handler.py break the cycles Engine.IO and Tornado made;
  tests/realtime/test_closing_sockets.py holds that). A frozen object that died in a
  cycle would stay in memory; that is the price, and why the cycles are broken at their
  source.
- The young generation is collected every GEN0_THRESHOLD allocations instead of 700, so
  fewer objects of requests in flight survive into the older generations.
"""

import asyncio
import gc
import logging
import time
from dataclasses import dataclass, field

from authserver.observability.metrics import GC_PAUSE

log = logging.getLogger(__name__)

GEN0_THRESHOLD = 2_000
GEN1_THRESHOLD = 5
GEN2_THRESHOLD = 1_000_000_000  # never: full passes are FULL_PASS_SECONDS apart
FULL_PASS_SECONDS = 0.1


@dataclass
class PauseProbe:
    """Times each collection from `gc.callbacks`: in wall time (how long the loop stood
    still) and in the CPU time of its thread (the collector's own work: on a busy machine
    the wall time also holds the time the thread waited for a core)."""

    loop: asyncio.AbstractEventLoop
    longest_ms: float = 0.0
    longest_generation: int = -1
    longest_cpu_ms: float = 0.0
    collections: int = 0
    passes: asyncio.Task | None = field(default=None, repr=False)
    _started: float = field(default=0.0, repr=False)
    _started_cpu: float = field(default=0.0, repr=False)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started, self._started_cpu = time.perf_counter(), time.thread_time()
            return
        pause = time.perf_counter() - self._started
        generation = info["generation"]
        self.longest_cpu_ms = max(self.longest_cpu_ms,
                                  (time.thread_time() - self._started_cpu) * 1000)
        self.collections += 1
        if pause * 1000 > self.longest_ms:
            self.longest_ms, self.longest_generation = pause * 1000, generation
        # Metrics take a lock, which this thread may hold already (a collection can start
        # at any allocation): observed from the loop instead.
        self.loop.call_soon_threadsafe(GC_PAUSE.labels(str(generation)).observe, pause)

    def describe(self) -> str:
        return (f"longest collector pause {self.longest_ms:.1f} ms (generation "
                f"{self.longest_generation}; longest in CPU time {self.longest_cpu_ms:.1f} ms)"
                f" in {self.collections} collections")


async def _full_passes() -> None:
    """A full pass, then freeze its survivors, every FULL_PASS_SECONDS."""
    while True:
        await asyncio.sleep(FULL_PASS_SECONDS)
        gc.collect()
        gc.freeze()


def tune() -> PauseProbe:
    """Freeze what start-up made, set the thresholds, and start timing pauses; call once
    the server is built, before it serves, from its loop."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)
    loop = asyncio.get_running_loop()
    probe = PauseProbe(loop)
    probe.passes = loop.create_task(_full_passes())
    gc.callbacks.append(probe)
    return probe


def untune(probe: PauseProbe) -> None:
    if probe.passes is not None:
        probe.passes.cancel()
    gc.callbacks.remove(probe)
    log.info("%s", probe.describe())
