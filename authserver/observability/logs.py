"""Log lines as text (the default) or, with LOG_FORMAT=json, one JSON object per line.

A JSON line has time, level, logger and message, plus what is known of the request it
belongs to: request id, client address, call, status and duration. The request id is
the one sent back in the X-Request-Id header, so a client's complaint finds its line.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_FIELDS = ("request_id", "client", "call", "status", "duration_ms")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served by this task, for every line it logs."""


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, its date and time worked out once a second rather than on every line
    (time.strftime was a sixth of the access log's cost)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second: int | None = None
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self._time(record.created, record.msecs)

    def _time(self, created: float, msecs: float) -> str:
        second = int(created)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime(self.default_time_format, self.converter(created))
        return f"{self._stamp},{int(msecs):03d}"

    def plain_line(self, record: "PlainRecord", fields: Callable[[], dict]) -> str:
        """`format` for a line with no arguments to merge and no exception (a request's
        fields are not shown in text)."""
        return (f"{self._time(record.created, record.msecs)} {record.levelname} "
                f"{record.name}: {record.msg}")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = self._entry(record, record.getMessage(),
                            {name: getattr(record, name, None) for name in REQUEST_FIELDS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)

    def plain_line(self, record: "PlainRecord", fields: Callable[[], dict]) -> str:
        """`format` for a line with no arguments to merge and no exception, its
        request's fields given apart."""
        return json.dumps(self._entry(record, record.msg, fields()), default=str)

    @staticmethod
    def _entry(record: "logging.LogRecord | PlainRecord", message: str,
               fields: dict) -> dict[str, object]:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for name in REQUEST_FIELDS:
            value = fields.get(name)
            if value is not None:
                entry[name] = value
        entry.setdefault("request_id", request_id.get())
        if entry["request_id"] is None:
            del entry["request_id"]
        return entry


class TurnHandler(logging.StreamHandler):
    """Standard error, written once per turn of the event loop: the lines logged in one
    turn go out in one write when it ends, in order.

    Standard error is unbuffered, so a write per line is a system call per request: on a
    busy /api/me that was half of what the access log cost (docs/performance.md). A line
    logged where no loop runs (an executor thread, start-up, exit) is written at once,
    after any lines still waiting, and logging's shutdown flushes what is left.
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:  # called with the handler's lock
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None and not self._waiting:
            loop.call_soon(self.flush)
        self._waiting.append(line)
        if loop is None:
            self._write()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
            self._write()

    def emit_plain(self, record: "PlainRecord", fields: Callable[[], dict]) -> None:
        """`emit` without a LogRecord: the access log's line, on the loop's thread."""
        formatter = self.formatter
        assert isinstance(formatter, TextFormatter | JsonFormatter)  # see sole_handler
        line = formatter.plain_line(record, fields) + self.terminator
        with self.lock:  # type: ignore[union-attr]  # a thread may be writing the waiting lines
            if not self._waiting:
                asyncio.get_running_loop().call_soon(self.flush)
            self._waiting.append(line)

    def _write(self) -> None:
        if not self._waiting:
            return
        text = "".join(self._waiting)
        self._waiting.clear()
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # standard error closed: nowhere left to say so
            pass


class PlainRecord:
    """What a formatter's `plain_line` reads of a record: a LogRecord's few fields that a
    line without arguments, exception or caller needs, made in a fraction of the time."""

    __slots__ = ("created", "levelname", "msecs", "msg", "name")

    def __init__(self, name: str, level: int, message: str, created: float) -> None:
        self.name, self.msg, self.created = name, message, created
        self.levelname = logging.getLevelName(level)
        self.msecs = int((created - int(created)) * 1000)


def sole_handler(logger: logging.Logger, level: int) -> TurnHandler | None:
    """The handler a line of `logger` at `level` would reach alone, with nothing on the
    way to change or copy it (no filter, no other handler: the handlers
    `configure_logging` sets, untouched); else None, and the line goes through logging.

    Logging's own path, a LogRecord and the calls around it, was most of the access
    log's cost: a sixth of a request's time on /api/me.
    """
    if logger.filters or not logger.isEnabledFor(level):
        return None
    found: TurnHandler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if found is not None or type(handler) is not TurnHandler or handler.filters:
                return None
            found = handler
        if not current.propagate:
            break
        current = current.parent
    if found is None or level < found.level or not isinstance(
            found.formatter, TextFormatter | JsonFormatter):
        return None
    return found


def configure_logging(log_format: str) -> None:
    """Every logger writes to standard error, as text or as JSON lines.

    No line says which thread, process or source line logged it, so logging is told not
    to find out (its documented optimisations): finding the caller walks the stack on
    every line, a cost the access log paid on every request.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # the documented switch (logging HOWTO, "Optimization")
    handler = TurnHandler()
    formatter = JsonFormatter() if log_format == "json" else TextFormatter()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
