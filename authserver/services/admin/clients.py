"""The administrator's apps (OAuth clients) over the service table: the same acts as the
operator's `authserver clients` command (services/oauth/clients.py), each audited there,
with the secret in the reply of `create` and `rotate-secret` only."""

from dataclasses import asdict

from authserver.services.admin.access import as_admin
from authserver.services.context import Caller, Context
from authserver.services.oauth import clients
from authserver.services.registry import serves
from contracts import service as calls
from contracts.messages import (
    ClientFields,
    ClientIdRequest,
    ClientInfo,
    ClientList,
    ClientSecretReply,
    Empty,
    Notice,
    UpdateClientRequest,
)


def _info(client: clients.Client) -> ClientInfo:
    return ClientInfo(
        client_id=client.client_id, name=client.name,
        redirect_uris=list(client.redirect_uris),
        post_logout_redirect_uris=list(client.post_logout_redirect_uris),
        backchannel_logout_uri=client.backchannel_logout_uri,
        grant_types=list(client.grant_types), scopes=list(client.scopes),
        public=client.public, first_party=client.first_party,
        access_token_seconds=client.access_token_seconds,
        refresh_token_seconds=client.refresh_token_seconds,
        id_token_seconds=client.id_token_seconds, created_at=client.created_at)


def _spec(fields: ClientFields) -> clients.ClientSpec:
    names = {name for name in asdict(clients.ClientSpec())}
    return clients.ClientSpec(**fields.model_dump(include=names))


@serves(calls.ADMIN_LIST_CLIENTS)
async def admin_list_clients(ctx: Context, request: Empty, caller: Caller) -> ClientList:
    return ClientList(clients=[_info(client) for client in await clients.listed(ctx)])


@serves(calls.ADMIN_SHOW_CLIENT)
async def admin_show_client(ctx: Context, request: ClientIdRequest,
                            caller: Caller) -> ClientInfo:
    return _info(await clients.show(ctx, request.client_id))


@serves(calls.ADMIN_CREATE_CLIENT)
async def admin_create_client(ctx: Context, request: ClientFields,
                              caller: Caller) -> ClientSecretReply:
    client, secret = await clients.create(ctx, _spec(request), as_admin(caller))
    return ClientSecretReply(client=_info(client), client_secret=secret)


@serves(calls.ADMIN_UPDATE_CLIENT)
async def admin_update_client(ctx: Context, request: UpdateClientRequest,
                              caller: Caller) -> ClientInfo:
    return _info(await clients.update(ctx, request.client_id, _spec(request), as_admin(caller)))


@serves(calls.ADMIN_ROTATE_CLIENT_SECRET)
async def admin_rotate_client_secret(ctx: Context, request: ClientIdRequest,
                                     caller: Caller) -> ClientSecretReply:
    secret = await clients.rotate_secret(ctx, request.client_id, as_admin(caller))
    client = await clients.show(ctx, request.client_id)
    return ClientSecretReply(client=_info(client), client_secret=secret)


@serves(calls.ADMIN_DELETE_CLIENT)
async def admin_delete_client(ctx: Context, request: ClientIdRequest,
                              caller: Caller) -> Notice:
    client = await clients.show(ctx, request.client_id)
    await clients.delete(ctx, request.client_id, as_admin(caller))
    return Notice(message=f"The app {client.name} is removed, with every grant it held.")
