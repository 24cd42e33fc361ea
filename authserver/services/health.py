"""Health: is the database answering? (Store.ping turns "no" into UNAVAILABLE, a 503.)"""

from authserver import __version__
from authserver.services.context import Caller, Context
from contracts.messages import Empty, Health


async def health(ctx: Context, request: Empty, caller: Caller) -> Health:
    await ctx.store.ping()
    return Health(status="healthy", database="ok", version=__version__)
