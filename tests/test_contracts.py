"""The service table, the served routes and the OpenAPI document are one set."""

import aiohttp
import pytest

from authserver.services.registry import services
from authserver.web.app import api_routes
from contracts import CALLS
from contracts.openapi import openapi_document


def test_every_call_has_a_service_and_a_route():
    assert set(services()) == {call.name for call in CALLS}
    served = {route[0] for route in api_routes(ctx=_NoContext())} - {"/api/openapi.json"}
    assert served == {call.route for call in CALLS}


class _NoContext:
    """api_routes only passes the context along; building routes needs none."""


async def test_served_openapi_document_lists_exactly_the_table(any_server):
    url = any_server.url + "/api/openapi.json"
    async with aiohttp.ClientSession() as http, http.get(url) as reply:
        assert reply.status == 200
        document = await reply.json()
    assert document["openapi"].startswith("3.")
    operations = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item}
    assert operations == {(call.route, call.method) for call in CALLS}
    for call in CALLS:
        responses = document["paths"][call.route][call.method.lower()]["responses"]
        assert str(call.status) in responses
        assert {str(status.http_status) for status in call.errors} <= set(responses)


@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.name)
async def test_each_route_is_served_by_its_method(any_server, call):
    async with aiohttp.ClientSession() as http, http.request(
        call.method, any_server.url + call.route, json={} if call.method == "POST" else None
    ) as reply:
        assert reply.status not in (404, 405)
        assert reply.headers["Content-Type"].startswith("application/json")


def test_document_is_derived_not_written():
    document = openapi_document("test")
    assert document["info"]["version"] == "test"
    assert "SignupRequest" in document["components"]["schemas"]


def test_a_bare_http_status_is_named_once_for_server_and_client():
    from contracts import Status

    assert Status.of_http(400) is Status.INVALID_ARGUMENT  # not FAILED_PRECONDITION
    assert Status.of_http(429) is Status.RESOURCE_EXHAUSTED
    assert Status.of_http(418) is Status.INVALID_ARGUMENT
    assert Status.of_http(502) is Status.INTERNAL
    assert all(Status.of_http(status.http_status).http_status == status.http_status
               for status in Status)


def test_usernames_and_addresses_are_keyed_without_case():
    from contracts.fields import lookup_key

    assert lookup_key("Ada.Lovelace@Example.COM") == lookup_key("ada.lovelace@example.com")

