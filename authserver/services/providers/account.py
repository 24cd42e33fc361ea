"""The REST calls of outside providers: the login view's buttons, and an account's own
links (listed, and unlinked unless it is the last way in)."""

from authserver.observability import metrics
from authserver.services.context import Caller, Context
from authserver.services.providers import linking, registry
from authserver.services.registry import serves
from authserver.store.models import User
from contracts import service as calls
from contracts.messages import (
    Empty,
    LinkedProvider,
    LinkedProviders,
    Notice,
    ProviderButton,
    ProviderButtons,
    UnlinkProviderRequest,
)


def _buttons(providers: list[registry.Provider]) -> list[ProviderButton]:
    return [ProviderButton(name=p.name, label=p.button_label) for p in providers]


@serves(calls.LOGIN_PROVIDERS)
async def login_providers(ctx: Context, request: Empty, caller: Caller) -> ProviderButtons:
    return ProviderButtons(providers=_buttons(await registry.listed(ctx)))


def _has_password(user_id: int) -> bool:
    return bool(User.get_by_id(user_id).password_hash)


@serves(calls.LIST_PROVIDERS)
async def list_providers(ctx: Context, request: Empty, caller: Caller) -> LinkedProviders:
    user = caller.signed_in.user
    links = await linking.links_of(ctx, user.id)
    taken = {link.provider for link in links}
    available = [p for p in await registry.listed(ctx) if p.name not in taken]
    return LinkedProviders(
        linked=[LinkedProvider(provider=link.provider, label=link.button_label,
                               email=link.email, linked_at=link.created_at) for link in links],
        available=_buttons(available),
        has_password=await ctx.store.run(_has_password, user.id))


@serves(calls.UNLINK_PROVIDER)
async def unlink_provider(ctx: Context, request: UnlinkProviderRequest, caller: Caller) -> Notice:
    try:
        await linking.unlink(ctx, caller.signed_in.user, request.provider, caller)
    except Exception:
        metrics.PROVIDER_SIGN_INS.labels("-", "refused").inc()  # the name may be anything
        raise
    metrics.PROVIDER_SIGN_INS.labels(request.provider, "unlinked").inc()
    return Notice(message=f"{request.provider} no longer signs in to this account.")
