"""Ports for the real parts the tests start."""

import contextlib
import socket
from collections.abc import Iterator

from tornado.testing import bind_unused_port


def free_port() -> int:
    """A port nothing listens on now (another process may take it later)."""
    sock, port = bind_unused_port()
    sock.close()
    return port


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port held bound but not listening while the block runs: a connection to it is
    refused at once, and no other process can start listening there meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
