"""Metrics of several worker processes, summed at each scrape (prometheus_client's
multi-process mode).

prometheus_client decides where values live when it is first imported, so this runs
before anything imports it, and before the workers fork.
"""

import atexit
import os
import shutil
import tempfile

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def share_metrics_between_workers() -> str:
    """Give the workers a fresh folder for their metric files; removed at exit. An
    operator's own PROMETHEUS_MULTIPROC_DIR is used as it is."""
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return os.environ[ENVIRONMENT_VARIABLE]
    folder = tempfile.mkdtemp(prefix="authserver-metrics-")
    os.environ[ENVIRONMENT_VARIABLE] = folder
    parent = os.getpid()

    def remove() -> None:
        # Only the supervising parent removes it; forked workers inherit the hook.
        if os.getpid() == parent:
            shutil.rmtree(folder, True)

    atexit.register(remove)
    return folder


def in_use() -> bool:
    return bool(os.environ.get(ENVIRONMENT_VARIABLE))


def forget_worker(pid: int) -> None:
    """A worker is gone: its live gauges (sockets open, hashes queued) stop counting."""
    if in_use():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
