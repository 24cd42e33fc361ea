"""Several worker processes on one port: the parent binds, forks and supervises.

Each child serves the shared listening socket with its own event loop. SIGTERM or SIGINT
to the parent is passed to every child, which stops gracefully; the parent exits 0 once
all have. A child that dies unexpectedly is replaced.
"""

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable

from authserver.observability.multiprocess import forget_worker

log = logging.getLogger(__name__)


def supervise(count: int, run_child: Callable[[int], None]) -> None:
    children: dict[int, int] = {}
    stopping = False

    def start(worker: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                run_child(worker)
            finally:
                os._exit(0)
        children[pid] = worker

    def forward(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for worker in range(count):
        start(worker)
    log.info("started %d workers", count)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        worker = children.pop(pid, None)
        if worker is None:
            continue
        forget_worker(pid)
        if not stopping and os.waitstatus_to_exitcode(status) != 0:
            log.warning("worker %d (pid %d) died; starting another", worker, pid)
            start(worker)
    sys.exit(0)
