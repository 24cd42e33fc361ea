"""Approval across workers: two server processes sharing PostgreSQL and Redis. The request
made by a login on one reaches a socket held by the other (through the Socket.IO manager
and Redis), and the answer given there reaches the long poll waiting on the first (through
the database row)."""

import uuid

import aiohttp
import pytest

from tests.approval.support import answer, approval_account, started_wait
from tests.support.api import call
from tests.support.redis import need_redis


@pytest.fixture
def two_workers(start_server, servers):
    database_url = servers.database_url("postgresql")
    shared = {"REDIS_URL": need_redis(), "REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}
    return (start_server("postgresql", database_url=database_url, **shared),
            start_server("postgresql", database_url=database_url, **shared))


async def test_a_request_from_one_worker_is_answered_on_the_other(two_workers, unique,
                                                                  clients):
    first, second = two_workers
    async with aiohttp.ClientSession() as http:
        account = await approval_account(http, first, unique)
        on_second = await clients(second).connect(token=account.token)
    async with aiohttp.ClientSession() as device:
        login = await call(device, first, "login",
                           {"username": account.username, "password": account.password})
        assert login.status == 401, login.body
        second_factor = login.body["second_factor"]
        request = await on_second.next("login_approval_request", timeout=10)
        assert second_factor["number"] in request["numbers"]
        waiting = started_wait(device, first, second_factor["challenge"])
        ack = await answer(on_second,
                                   {"request_id": request["request_id"],
                                    "number": second_factor["number"]})
        assert ack["outcome"] == "approved", ack
        approved = await waiting
    assert approved.status == 200 and approved.body["approved"] is True, approved.body
