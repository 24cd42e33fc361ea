"""What the operator chose for this deployment (APP_NAME, CHAT, PRESENCE, SUPPORT_EMAIL),
told to the web UI so that it names the product and offers only what the server does."""

from authserver.services.context import Caller, Context
from authserver.services.registry import serves
from contracts import service as calls
from contracts.messages import Empty, ProductConfig


@serves(calls.PRODUCT_CONFIG)
async def product_config(ctx: Context, request: Empty, caller: Caller) -> ProductConfig:
    settings = ctx.settings
    return ProductConfig(app_name=settings.app_name, chat=settings.chat,
                         presence=settings.presence, support_email=settings.support_email)
