"""The administrator's outside providers over the service table: the same acts as the
operator's `authserver providers` command (services/providers/registry.py), each audited
there under the administrator's name. The client secret is write-only: it goes in with
`add` and `update` and no reply carries it."""

from authserver.services.admin.access import as_admin
from authserver.services.context import Caller, Context
from authserver.services.providers import registry
from authserver.services.registry import serves
from contracts import service as calls
from contracts.messages import (
    AddProviderRequest,
    Empty,
    Notice,
    ProviderFields,
    ProviderInfo,
    ProviderList,
    ProviderNameRequest,
    RemoveProviderRequest,
    UpdateProviderRequest,
)

CALLBACK_PATH = "/api/login/provider/{name}/callback"


def _info(provider: registry.Provider) -> ProviderInfo:
    return ProviderInfo(**provider.shown(),
                        callback_path=CALLBACK_PATH.format(name=provider.name))


def _spec(fields: ProviderFields, name: str | None) -> registry.ProviderSpec:
    return registry.ProviderSpec(name=name, **fields.model_dump(include=set(
        ProviderFields.model_fields)))


@serves(calls.ADMIN_LIST_PROVIDERS)
async def admin_list_providers(ctx: Context, request: Empty, caller: Caller) -> ProviderList:
    return ProviderList(providers=[_info(p) for p in await registry.listed(ctx)])


@serves(calls.ADMIN_SHOW_PROVIDER)
async def admin_show_provider(ctx: Context, request: ProviderNameRequest,
                              caller: Caller) -> ProviderInfo:
    return _info(await registry.show(ctx, request.name))


@serves(calls.ADMIN_ADD_PROVIDER)
async def admin_add_provider(ctx: Context, request: AddProviderRequest,
                             caller: Caller) -> ProviderInfo:
    return _info(await registry.add(ctx, _spec(request, request.name), as_admin(caller)))


@serves(calls.ADMIN_UPDATE_PROVIDER)
async def admin_update_provider(ctx: Context, request: UpdateProviderRequest,
                                caller: Caller) -> ProviderInfo:
    return _info(await registry.update(ctx, request.name, _spec(request, request.new_name),
                                       as_admin(caller)))


@serves(calls.ADMIN_REMOVE_PROVIDER)
async def admin_remove_provider(ctx: Context, request: RemoveProviderRequest,
                                caller: Caller) -> Notice:
    await registry.remove(ctx, request.name, as_admin(caller))
    return Notice(message=f"The provider {request.name} is removed: its links no longer "
                          "sign anyone in.")
