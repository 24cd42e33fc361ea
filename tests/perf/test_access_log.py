"""The log handler writes the lines of one turn of the event loop in one write (standard
error is unbuffered: a write per line was half the access log's cost), in order, and a
line logged where no loop runs at once."""

import asyncio
import logging
import time

import pytest

from authserver.observability.logs import (
    TEXT_FORMAT,
    JsonFormatter,
    PlainRecord,
    TextFormatter,
    TurnHandler,
    sole_handler,
)


class Writes:
    """A stream that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.written = asyncio.Event()

    def write(self, text: str) -> None:
        self.writes.append(text)
        self.written.set()

    def flush(self) -> None:
        pass


def _logger(stream: Writes) -> logging.Logger:
    handler = TurnHandler()
    handler.setStream(stream)  # type: ignore[arg-type]
    logger = logging.getLogger(f"test.turns.{id(stream)}")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    return logger


async def test_the_lines_of_one_turn_go_out_in_one_write():
    stream = Writes()
    logger = _logger(stream)
    for number in range(3):
        logger.info("request %d", number)
    assert stream.writes == []
    await asyncio.wait_for(stream.written.wait(), 2)
    assert stream.writes == ["request 0\nrequest 1\nrequest 2\n"]


async def test_a_line_off_the_loop_is_written_at_once_after_those_waiting():
    stream = Writes()
    logger = _logger(stream)
    logger.info("on the loop")
    await asyncio.to_thread(logger.info, "in a thread")
    assert stream.writes == ["on the loop\nin a thread\n"]



def test_text_lines_keep_logging_s_own_time_format():
    kept = TextFormatter()  # one formatter across lines and seconds, as the server's
    plain = logging.Formatter(TEXT_FORMAT)
    record = logging.LogRecord("tornado.access", logging.INFO, __file__, 1, "200 GET /", (),
                               None)
    for created in (1_800_000_000.123, 1_800_000_000.987, 1_800_000_001.004):
        record.created, record.msecs = created, int((created % 1) * 1000)
        assert kept.format(record) == plain.format(record)


FIELDS = {"request_id": "0f" * 16, "client": "203.0.113.9", "call": "me", "status": 200,
          "duration_ms": 0.42}


@pytest.mark.parametrize("formatter", [TextFormatter, JsonFormatter])
async def test_a_line_written_directly_is_the_line_logging_writes(formatter):
    """The access log skips logging's LogRecord when nothing else listens: same line."""
    stream = Writes()
    logger = _logger(stream)
    handler = logger.handlers[0]
    handler.setFormatter(formatter())
    assert sole_handler(logger, logging.INFO) is handler
    created = time.time()
    message = "200 GET /api/me (203.0.113.9) 0.42ms"
    handler.emit_plain(PlainRecord(logger.name, logging.WARNING, message, created),
                       lambda: FIELDS)
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "%s", (message,),
                               None, extra=FIELDS)
    record.created, record.msecs = created, int((created % 1) * 1000)
    logger.handle(record)
    await asyncio.wait_for(stream.written.wait(), 2)
    direct, logged = stream.writes[0].splitlines()
    assert direct == logged
    assert message in direct


def test_a_line_goes_through_logging_when_anything_else_listens():
    stream = Writes()
    logger = _logger(stream)
    logger.handlers[0].setFormatter(TextFormatter())
    assert sole_handler(logger, logging.INFO) is logger.handlers[0]
    assert sole_handler(logger, logging.DEBUG) is None  # below the logger's level
    second = logging.StreamHandler(Writes())  # type: ignore[arg-type]  # a test's capture
    logger.addHandler(second)
    assert sole_handler(logger, logging.INFO) is None
    logger.removeHandler(second)
    logger.addFilter(lambda record: True)
    assert sole_handler(logger, logging.INFO) is None
