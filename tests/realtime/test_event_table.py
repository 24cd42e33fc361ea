"""The event table in contracts (CLIENT_EVENTS) is what the server enforces: who may send
each event, and which payload it must carry."""

import pytest

from contracts.events import CLIENT_EVENTS
from tests.support.api import verified_account

SIGNED_IN_ONLY = [event.name for event in CLIENT_EVENTS if event.needs_auth]
OPEN_TO_ALL = [event.name for event in CLIENT_EVENTS if not event.needs_auth]
WITH_A_MODEL = [event.name for event in CLIENT_EVENTS if event.payload is not None]


def test_the_table_has_both_kinds():
    assert SIGNED_IN_ONLY and OPEN_TO_ALL and WITH_A_MODEL


@pytest.mark.parametrize("name", SIGNED_IN_ONLY)
async def test_signed_in_events_refuse_everyone_else(any_server, clients, name):
    client = await clients(any_server).connect()
    await client.sio.emit(name, {})
    assert "authenticate" in (await client.next("auth_error"))["error"]
    assert await client.nothing(name, within=0.2)


@pytest.mark.parametrize("name", OPEN_TO_ALL)
async def test_open_events_need_no_sign_in(any_server, clients, name):
    client = await clients(any_server).connect()
    await client.sio.emit(name, {})
    assert await client.nothing("auth_error", within=0.3)


@pytest.mark.parametrize("name", WITH_A_MODEL)
async def test_payloads_are_checked_against_the_tables_model(any_server, clients, http, unique,
                                                             name):
    account = await verified_account(http, any_server, unique)
    client = await clients(any_server).connect(token=account.token)
    ack = await client.call(name, ["not", "an", "object"])
    assert ack["code"] == "INVALID_ARGUMENT"
    assert (await client.next("error"))["code"] == "INVALID_ARGUMENT"
