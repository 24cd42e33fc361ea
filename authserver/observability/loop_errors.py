"""What the event loop reports of errors no code took up: asyncpg's known leftover in one
line, everything else as asyncio says it.

asyncpg leaves a future holding `ConnectionError('unexpected connection_lost() call')`
when a connection closes while its TLS negotiation is not awaited any more: a stop, or a
cancelled query, while a connection (or asyncpg's own cancel request) was being opened
(MagicStack/asyncpg#1211 and #1310, open for 0.30 and 0.31). asyncio then logs "Future
exception was never retrieved" at ERROR with the exception. Nothing is lost by it: the
work that opened the connection was cancelled and has ended. It is logged as one warning.
"""

import asyncio
import logging

log = logging.getLogger(__name__)

NEVER_RETRIEVED = ("Future exception was never retrieved", "Task exception was never retrieved")
ASYNCPG_LEFTOVER = "unexpected connection_lost() call"


def install(loop: asyncio.AbstractEventLoop) -> None:
    loop.set_exception_handler(_report)


def _report(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    error = context.get("exception")
    if (context.get("message") in NEVER_RETRIEVED and type(error) is ConnectionError
            and str(error) == ASYNCPG_LEFTOVER):
        log.warning("a database connection closed while it was being opened for work "
                    "that had ended (asyncpg left the error unread: MagicStack/asyncpg#1211)")
        return
    loop.default_exception_handler(context)
