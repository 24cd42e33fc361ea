"""What the approval tests share: an account with approval on, a signed-in socket of it,
and a password login from a new device (no device cookie) that the socket is asked about."""

import asyncio
from dataclasses import dataclass

import aiohttp

from tests.support.api import Account, call, verified_account

# Seconds to wait for the server's events and acks: generous, as the machine is shared.
PATIENCE = 15


async def approval_account(http, server, unique) -> Account:
    """A verified, signed-in account with approval from signed-in devices on."""
    account = await verified_account(http, server, unique)
    on = await call(http, server, "approval_enable", {"current_password": account.password},
                    token=account.token)
    assert on.status == 200, on.body
    return account


async def new_device_login(server, account: Account):
    """A password login from a client that never logged in (no device cookie)."""
    async with aiohttp.ClientSession() as fresh:
        return await call(fresh, server, "login",
                          {"username": account.username, "password": account.password})


@dataclass
class Pending:
    """A login waiting for approval: its challenge and number, and the request as the
    signed-in socket received it."""

    challenge: str
    number: int
    request: dict

    def wrong_numbers(self) -> list[int]:
        return [n for n in self.request["numbers"] if n != self.number]


async def pending_login(server, account: Account, watcher) -> Pending:
    """Log in from a new device; the request `watcher` (a signed-in LiveClient) gets."""
    reply = await new_device_login(server, account)
    assert reply.status == 401, reply.body
    second = reply.body["second_factor"]
    assert "approval" in second["factors"], second
    if "totp" not in second["factors"]:  # no app: the refusal must not offer its code
        assert "authenticator app" not in reply.body["error"], reply.body
    request = await watcher.next("login_approval_request", timeout=PATIENCE)
    return Pending(second["challenge"], second["number"], request)


async def answer(socket, payload: dict) -> dict:
    """Send `login_approval_answer` from `socket`; the server's ack."""
    return await socket.call("login_approval_answer", payload, timeout=PATIENCE)


async def wait(http, server, challenge: str):
    return await call(http, server, "login_approval_wait", {"challenge": challenge})


def started_wait(http, server, challenge: str) -> asyncio.Task:
    return asyncio.get_running_loop().create_task(wait(http, server, challenge))
