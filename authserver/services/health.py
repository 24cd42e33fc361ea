"""Health: is the database answering? (Store.run turns "no" into UNAVAILABLE, a 503.)"""

from authserver import __version__
from authserver.services.context import Caller, Context
from authserver.store.models import database_proxy
from contracts.messages import Empty, Health


def _ping() -> None:
    database_proxy.obj.execute_sql("SELECT 1")


async def health(ctx: Context, request: Empty, caller: Caller) -> Health:
    await ctx.store.run(_ping)
    return Health(status="healthy", database="ok", version=__version__)
