"""Health: is the database answering? (Store.ping turns "no" into UNAVAILABLE, a 503.)"""

from authserver import __version__
from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from contracts import service as calls
from contracts.messages import Empty, Health


@serves(calls.HEALTH)
async def health(ctx: Context, request: Empty, caller: Caller) -> Health:
    await ctx.store.ping()
    return Health(status="healthy", database="ok", version=__version__)
