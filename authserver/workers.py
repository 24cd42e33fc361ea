"""Several worker processes on one port: the parent binds, forks and supervises.

Each child serves the shared listening socket with its own event loop. SIGTERM or SIGINT
to the parent is passed to every child, which stops gracefully; the parent exits 0 once
all have, and kills a child still running CHILD_STOP_SECONDS later (each child keeps its
own, shorter, deadline: this is the last resort). A child that dies unexpectedly is
replaced.
"""

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable

from authserver.observability.multiprocess import forget_worker

log = logging.getLogger(__name__)

CHILD_STOP_SECONDS = 25


def supervise(count: int, run_child: Callable[[int], None]) -> None:
    children: dict[int, int] = {}
    stopping = False

    def start(worker: int) -> None:
        pid = os.fork()
        if pid == 0:
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
                signal.signal(signum, signal.SIG_DFL)
            try:
                run_child(worker)
            finally:
                os._exit(0)
        children[pid] = worker

    def signal_children(signum: int) -> None:
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def forward(signum, frame) -> None:
        nonlocal stopping
        if not stopping:
            signal.alarm(CHILD_STOP_SECONDS)
        stopping = True
        signal_children(signal.SIGTERM)

    def kill_stragglers(signum, frame) -> None:
        log.warning("%d worker(s) still running %ss after the stop; killing them",
                    len(children), CHILD_STOP_SECONDS)
        signal_children(signal.SIGKILL)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGALRM, kill_stragglers)
    for worker in range(count):
        start(worker)
    log.info("started %d workers", count)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        ended = children.pop(pid, None)
        if ended is None:
            continue
        forget_worker(pid)
        if not stopping and os.waitstatus_to_exitcode(status) != 0:
            log.warning("worker %d (pid %d) died; starting another", ended, pid)
            start(ended)
    sys.exit(0)
