"""Log lines as text (the default) or, with LOG_FORMAT=json, one JSON object per line.

A JSON line has time, level, logger and message, plus what is known of the request it
belongs to: request id, client address, call, status and duration. The request id is
the one sent back in the X-Request-Id header, so a client's complaint finds its line.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_FIELDS = ("request_id", "client", "call", "status", "duration_ms")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served by this task, for every line it logs."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        entry.setdefault("request_id", request_id.get())
        if entry["request_id"] is None:
            del entry["request_id"]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(log_format: str) -> None:
    """Every logger writes to standard error, as text or as JSON lines."""
    handler = logging.StreamHandler()
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
