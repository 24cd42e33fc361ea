"""A one-shot command (`authcli say`, `who`, `history`) is not someone coming online:
people in the chat see its message, but no "online" or "left" for it."""

import asyncio

from tests.support.api import verified_account
from tests.support.live import presence_of


async def test_say_from_a_script_does_not_announce_presence(authcli, any_server, clients,
                                                            http, unique):
    account = await asyncio.to_thread(authcli.signup_verified, any_server, "script")
    assert (await asyncio.to_thread(authcli.login, account)).code == 0
    watcher_account = await verified_account(http, any_server, unique)
    watcher = await clients(any_server).connect(token=watcher_account.token)

    said = await asyncio.to_thread(authcli, "say", "from a cron job")
    assert said.code == 0, said.err
    chat = await watcher.next_where("chat", lambda data: data["text"] == "from a cron job")
    assert chat["user"] == account.username
    assert (await asyncio.to_thread(authcli, "who")).code == 0
    assert await presence_of(account.username, watcher, clients, any_server, http,
                             unique) == []
