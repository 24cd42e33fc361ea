"""Ports for the real parts the tests start."""

import contextlib
import socket
from collections.abc import Iterator

from loadtests.servers import free_port

__all__ = ["free_port", "refusing_port"]


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port held bound but not listening while the block runs: a connection to it is
    refused at once, and no other process can start listening there meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
