"""A one-shot client (`authcli say`) connects with `presence: false` in its auth: it may
chat, but it is not someone coming online, so nobody hears it arrive or leave."""

from tests.support.api import verified_account
from tests.support.live import presence_of


async def quiet(clients, server, token: str):
    client = clients(server)
    await client.sio.connect(server.url, transports=client.transports,
                             auth={"token": token, "presence": False}, wait_timeout=5)
    return client


async def test_a_quiet_client_chats_without_announcing_itself(any_server, clients, http,
                                                              unique):
    watcher_account = await verified_account(http, any_server, unique)
    watcher = await clients(any_server).connect(token=watcher_account.token)
    account = await verified_account(http, any_server, unique)

    one_shot = await quiet(clients, any_server, account.token)
    assert (await one_shot.next("connected"))["user"]["username"] == account.username
    ack = await one_shot.call("chat", {"text": "from a script"})
    said = await watcher.next_where("chat", lambda data: data["id"] == ack["id"])
    assert said["user"] == account.username
    assert account.username not in (await watcher.call("who"))["users"]
    await one_shot.close()
    assert await presence_of(account.username, watcher, clients, any_server, http,
                             unique) == []


async def test_a_quiet_client_leaving_does_not_take_its_user_offline(any_server, clients,
                                                                     http, unique):
    watcher_account = await verified_account(http, any_server, unique)
    watcher = await clients(any_server).connect(token=watcher_account.token)
    account = await verified_account(http, any_server, unique)
    about = lambda data: data["user"] == account.username  # noqa: E731

    present = await clients(any_server).connect(token=account.token)
    assert await watcher.next_where("presence", about) == {"user": account.username,
                                                           "online": True}
    one_shot = await quiet(clients, any_server, account.token)
    await one_shot.call("chat", {"text": "still here"})
    await one_shot.close()
    assert await presence_of(account.username, watcher, clients, any_server, http,
                             unique) == []
    assert account.username in (await watcher.call("who"))["users"]
    await present.close()
    assert await watcher.next_where("presence", about) == {"user": account.username,
                                                           "online": False}
