"""The Tornado application: one route per call of the service table, the OpenAPI
document, Socket.IO, and the web UI."""

import json
from collections.abc import Sequence

from tornado.web import Application

from authserver import __version__
from authserver.services.context import Context
from authserver.services.registry import services
from authserver.web import routing
from authserver.web.api import ApiBodyHandler, ApiHandler
from authserver.web.base import JsonHandler, NotFoundHandler, log_request
from authserver.web.inflight import InFlight
from authserver.web.request_hooks import count_request
from contracts import CALLS
from contracts.openapi import openapi_document


class OpenApiHandler(JsonHandler):
    def initialize(self, document: str) -> None:
        self.document = document

    def get(self) -> None:
        self.write_json(200, self.document)


def api_routes(ctx: Context) -> list[tuple]:
    served = services()
    routes: list[tuple] = [
        (call.route, ApiHandler if call.method == "GET" else ApiBodyHandler,
         {"call": call, "service": served[call.name], "ctx": ctx})
        for call in CALLS
    ]
    document = json.dumps(openapi_document(__version__))
    routes.append(("/api/openapi.json", OpenApiHandler, {"document": document}))
    return routes


def _answered(handler) -> None:
    count_request(handler)
    log_request(handler)


def make_app(ctx: Context, extra_routes: Sequence[tuple] = ()) -> Application:
    """The whole HTTP surface; `extra_routes` come first (Socket.IO, the web UI)."""
    return routing.application(
        [*extra_routes, *api_routes(ctx)],
        default_handler_class=NotFoundHandler,
        compress_response=True,
        log_function=_answered,
        in_flight=InFlight(),
        # Read by every JSON handler as it sets its headers, before its initialize() runs.
        allowed_origins=ctx.settings.allowed_origins,
        trusted_proxies=ctx.settings.trusted_proxies,
    )
