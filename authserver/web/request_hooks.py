"""Each HTTP request: an id (sent back as X-Request-Id, on every log line it causes),
its access-log fields, and its count and latency in the metrics."""

import os
import re

from tornado.web import RequestHandler

from authserver.observability import metrics
from authserver.observability.logs import request_id
from authserver.web.client import client_ip, is_trusted

REQUEST_ID_HEADER = "X-Request-Id"
# An id from a trusted proxy in front (nginx's $request_id) is kept if it looks like one;
# any other client's is replaced, so nobody can plant an id in the server's log.
_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Kept on the handler itself, which Tornado's RequestHandler has no field for.
_ID_ATTRIBUTE = "request_id"


def _id_of(handler: RequestHandler) -> str | None:
    return getattr(handler, _ID_ATTRIBUTE, None)


def assign_request_id(handler: RequestHandler) -> None:
    """Give the request its id and put it in the response headers."""
    trusted = handler.application.settings.get("trusted_proxies", ())
    peer = handler.request.remote_ip or ""
    given = handler.request.headers.get(REQUEST_ID_HEADER, "") if (
        trusted and is_trusted(peer, trusted)) else ""
    # Tornado sets default headers again when it clears a reply for an error: same id.
    # 16 random bytes, as uuid4().hex but without building a UUID on every request.
    assigned = _id_of(handler) or (given if _GIVEN_ID.match(given) else os.urandom(16).hex())
    setattr(handler, _ID_ATTRIBUTE, assigned)
    handler.set_header(REQUEST_ID_HEADER, assigned)


def enter_request(handler: RequestHandler) -> None:
    """From here on, what this request's task logs carries its id."""
    request_id.set(_id_of(handler))


def call_name(handler: RequestHandler) -> str:
    """The contract's call name, else the kind of handler: a label of few values."""
    call = getattr(handler, "call", None)
    if call is not None:
        return call.name
    return type(handler).__name__.removesuffix("Handler").lower() or "other"


def request_fields(handler: RequestHandler) -> dict:
    """The access-log line's structured fields (read by the JSON log format); the client
    is the one a trusted proxy names, as the services see it."""
    ctx = getattr(handler, "ctx", None)
    trusted = ctx.settings.trusted_proxies if ctx is not None else ()
    return {
        "request_id": _id_of(handler),
        "client": client_ip(handler.request, trusted),
        "call": call_name(handler),
        "status": handler.get_status(),
        "duration_ms": round(1000.0 * handler.request.request_time(), 2),
    }


def count_request(handler: RequestHandler) -> None:
    metrics.request_answered(call_name(handler), handler.get_status(),
                             handler.request.request_time())
