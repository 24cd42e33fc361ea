"""Uniqueness is the database's job: of 100 racing signups for one name, one wins; of
100 for one (unverified) address, one holds it at the end.

Sign-ups from one client address are taken one at a time (so the address limit is
exact), which would hide a missing unique index. The racers here come from a hundred
addresses (X-Forwarded-For from a trusted proxy), so only the database can stop them.
"""

import asyncio

import aiohttp
import pytest

from tests.conftest import BACKENDS
from tests.support.api import call
from tests.support.databases import snapshot

RACERS = 100


@pytest.fixture(params=BACKENDS)
def proxied_server(request, start_server):
    """A server of each backend that takes the client address from X-Forwarded-For."""
    return start_server(request.param, TRUSTED_PROXIES="127.0.0.1")


@pytest.mark.parametrize("shared", ["username", "email"])
async def test_one_of_a_hundred_racing_signups_wins(proxied_server, unique, shared):
    server = proxied_server
    base_name, base_email = unique("race")

    def payload(number: int) -> dict:
        name, email = f"{base_name}x{number}", f"{base_name}x{number}@example.com"
        if shared == "username":
            name = base_name
        else:
            email = base_email
        return {"username": name, "email": email, "password": "a good long password"}

    def address(number: int) -> dict[str, str]:
        return {"X-Forwarded-For": f"198.51.100.{number + 1}"}

    connector = aiohttp.TCPConnector(limit=RACERS)
    async with aiohttp.ClientSession(connector=connector) as http:
        replies = await asyncio.gather(
            *(call(http, server, "signup", payload(n), headers=address(n))
              for n in range(RACERS))
        )
    statuses = sorted(reply.status for reply in replies)
    if shared == "username":
        assert statuses.count(201) == 1, statuses
        assert statuses.count(409) == RACERS - 1, statuses
    else:
        # A sign-up for an address held only by an unverified account replaces it, so
        # several may win in turn; a loser is one whose insert lost a race.
        assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    users = (await snapshot(server.database_url))["user"]
    column = 1 if shared == "username" else 2
    wanted = base_name if shared == "username" else base_email
    assert len([row for row in users if row[column] == wanted]) == 1
