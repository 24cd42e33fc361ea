"""Engine.IO's Tornado driver, adapted so that a closed socket is freed by reference
counting, not left for the cyclic collector.

Read against python-engineio 4.15.1 (tests/realtime/test_upstream_pins.py fails when the
lock moves, so this is read again). Two things in the driver left about 95 objects per
closed socket in reference cycles, which only a full collection frees; with thousands
of sockets a full collection stopped the loop for over a second
(docs/upstream/python-engineio-closed-socket-cycles.md is the report):

- A WebSocket that closes makes the driver's `WebSocket.wait()` raise `OSError`, inside
  a task (`wait_task`) that `AsyncSocket._websocket_handler` keeps in a local. The
  exception's traceback holds that handler's frame, the frame holds the task, the task
  holds the exception: a cycle, through which the socket, its Tornado handler, stream,
  request and queues all wait for the collector. Here the closing exception is kept,
  and its traceback dropped once the handler has finished with it.
- `translate_request` defines a class on every call (`AwaitablePayload`) and puts an
  instance in the environ, which Socket.IO keeps as long as the connection. A class is
  its own cycle, so each connection left one behind. Here the body is read through a
  class of ours, so the per-call class dies young (the youngest generation frees it
  before it ages).
"""

from engineio import AsyncServer
from engineio.async_drivers import tornado as tornado_driver

from authserver.realtime.lean_queue import LeanQueue


class RequestBody:
    """The request body as an awaitable `wsgi.input` (what the driver's per-call
    `AwaitablePayload` does, as one class)."""

    __slots__ = ("payload",)

    def __init__(self, payload: bytes | None) -> None:
        self.payload = payload or b""

    async def read(self, length: int | None = None) -> bytes:
        if length is None:
            taken, self.payload = self.payload, b""
        else:
            taken, self.payload = self.payload[:length], self.payload[length:]
        return taken


def translate_request(handler) -> dict:
    environ = tornado_driver.translate_request(handler)
    environ["wsgi.input"] = RequestBody(handler.request.body)
    return environ


class ClosingWebSocket(tornado_driver.WebSocket):
    """The driver's WebSocket wrapper, which lets go of the exception that ended it."""

    closing_error: OSError | None = None

    async def __call__(self, environ) -> None:
        try:
            await super().__call__(environ)
        finally:
            # The handler is done: nothing reads the traceback any more, and it is what
            # holds the handler's frame (and with it the whole connection) in a cycle.
            if self.closing_error is not None:
                self.closing_error.__traceback__ = None
                self.closing_error = None
            self.environ = None
            self.tornado_handler = None

    async def wait(self):
        try:
            return await super().wait()
        except OSError as error:
            self.closing_error = error
            raise


class EngineServer(AsyncServer):
    """Engine.IO's server with the Tornado driver adapted as above, and each socket's
    packet queue a LeanQueue (see lean_queue.py)."""

    _async: dict  # python-engineio's: the driver's functions and classes, by name

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._async = {**self._async, "translate_request": translate_request,
                       "websocket": ClosingWebSocket}

    def create_queue(self) -> LeanQueue:
        """Each socket's outgoing packets (python-engineio's public hook, which it calls
        with no arguments)."""
        return LeanQueue()
