"""asyncpg's leftover after a cancelled connect is one warning; other unread errors are
still asyncio's ERROR (authserver/observability/loop_errors.py)."""

import asyncio
import contextlib
import gc
import logging
import socket

import asyncpg

from authserver.observability import loop_errors

TRIES = 200  # the leftover shows within the first few cancel points


async def _cancelled_connects(port: int, seen: list) -> None:
    """Connects cancelled a few more loop turns after starting each time, until the loop
    reports an unread error (asyncpg's TLS probe, MagicStack/asyncpg#1211)."""
    for turns in range(TRIES):
        task = asyncio.create_task(asyncpg.connect(host="127.0.0.1", port=port, user="u",
                                                   database="d", timeout=5))
        for _ in range(turns % 10):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        gc.collect()
        if seen:
            return


def _unread(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name in ("asyncio", loop_errors.__name__)]


async def test_asyncpgs_leftover_after_a_cancelled_connect_is_one_warning(caplog):
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    reported: list[dict] = []
    loop_errors.install(loop)
    ours = loop.get_exception_handler()
    loop.set_exception_handler(lambda loop, context: (reported.append(context),
                                                      ours(loop, context)))
    # A listener that never answers: the connect waits on its TLS probe when cancelled.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        try:
            await _cancelled_connects(silent.getsockname()[1], reported)
        finally:
            loop.set_exception_handler(previous)
    assert reported, "no cancelled connect left an unread error: the case is not exercised"
    assert str(reported[0]["exception"]) == loop_errors.ASYNCPG_LEFTOVER
    records = _unread(caplog)
    assert [record.levelno for record in records] == [logging.WARNING] * len(records)
    assert records and "asyncpg" in records[0].getMessage()


async def test_any_other_unread_error_is_still_asyncios_error(caplog):
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop_errors.install(loop)
    try:
        future = loop.create_future()
        future.set_exception(ConnectionError("refused"))
        del future
        gc.collect()
    finally:
        loop.set_exception_handler(previous)
    records = _unread(caplog)
    assert [(record.name, record.levelno) for record in records] == [("asyncio", logging.ERROR)]
