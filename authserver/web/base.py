"""The base of every JSON handler: security headers, CORS, and errors as JSON."""

import http
import json
import logging
import time

from tornado.web import HTTPError, RequestHandler

from authserver.errors import ServiceError
from authserver.observability.logs import PlainRecord, sole_handler
from authserver.web.headers import apply_security_headers
from authserver.web.request_hooks import assign_request_id, enter_request, request_fields
from contracts import ErrorReply, Status

log = logging.getLogger(__name__)

class JsonHandler(RequestHandler):
    """Answers in JSON, including Tornado's own 404, 405 and 500 answers."""

    refused_before_body = False

    def prepare(self) -> None:
        """Once the server is stopping, new requests are turned away."""
        enter_request(self)
        if self.application.settings["in_flight"].closing:
            raise HTTPError(503, "The server is restarting; try again in a moment.")

    def set_default_headers(self) -> None:
        apply_security_headers(self)
        assign_request_id(self)
        self.set_header("Cache-Control", "no-store")
        # CORS for the API only, and only for ALLOWED_ORIGINS: never "*", since the
        # session cookie makes replies credentialed.
        origin = self.request.headers.get("Origin")
        allowed = self.application.settings.get("allowed_origins", ())
        if origin and origin in allowed and self.request.path.startswith("/api/"):
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Access-Control-Allow-Credentials", "true")
            self.set_header("Vary", "Origin")

    def compute_etag(self) -> str | None:
        """No ETag: replies are `no-store`, so no client could send it back, and hashing
        every body was a sixtieth of a request's time."""
        return None

    def options(self, *args) -> None:
        """CORS preflight: allowed origins get the methods and headers they may use."""
        self.set_header("Access-Control-Allow-Methods", ", ".join(self.allowed_methods()))
        self.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
        self.set_header("Access-Control-Max-Age", "600")
        self.set_status(204)

    def allowed_methods(self) -> tuple[str, ...]:
        return ("GET", "POST", "OPTIONS")

    def write_json(self, status: int, body: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(body)

    def refuse(self, error: ServiceError) -> None:
        send_refusal(self, error)

    def write_error(self, status_code: int, **kwargs) -> None:
        """Tornado's own refusals (404, 405, 413, 500 ...) in our JSON shape."""
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        status = Status.of_http(status_code)
        if status_code == 503:
            message, status = kwargs["exc_info"][1].log_message, Status.UNAVAILABLE
            self.set_header("Retry-After", "1")
            self.set_header("Connection", "close")
        elif status_code >= 500:
            message = "internal error"
            status = Status.INTERNAL
        else:
            exc = kwargs.get("exc_info", (None, None, None))[1]
            reason = exc.log_message if isinstance(exc, HTTPError) and exc.log_message else None
            message = reason or http.HTTPStatus(status_code).phrase
        if self.refused_before_body:
            # Tornado drops a connection whose request body was never read; say so, so
            # that clients do not send their next request down it.
            self.set_header("Connection", "close")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        body = ErrorReply(error=message, code=status).model_dump(exclude_none=True)
        self.finish(json.dumps(body))


def send_refusal(handler: RequestHandler, error: ServiceError) -> None:
    """Answer with `error`: its HTTP status, Retry-After when it has one, and the error
    body every client reads. Handlers that are not JsonHandlers (the socket one) too."""
    if error.retry_after is not None:
        handler.set_header("Retry-After", str(error.retry_after))
    handler.set_status(error.status.http_status)
    handler.set_header("Content-Type", "application/json; charset=utf-8")
    handler.finish(error.reply().model_dump_json(exclude_none=True))


ACCESS = logging.getLogger("tornado.access")


def log_request(handler: RequestHandler) -> None:
    """Tornado's access log, except that a 503 (database down, restarting) is a warning:
    an expected state the client is told to retry, not a crash. Written straight to the
    log's handler when nothing else listens (`sole_handler`)."""
    status = handler.get_status()
    if status < 400:
        level = logging.INFO
    elif status < 500 or status == 503:
        level = logging.WARNING
    else:
        level = logging.ERROR
    if not ACCESS.isEnabledFor(level):
        return
    message = (f"{status} {handler._request_summary()} "
               f"{1000.0 * handler.request.request_time():.2f}ms")
    direct = sole_handler(ACCESS, level)
    if direct is not None:
        direct.emit_plain(PlainRecord(ACCESS.name, level, message, time.time()),
                          lambda: request_fields(handler))
    else:
        ACCESS.log(level, "%s", message, extra=request_fields(handler))


class NotFoundHandler(JsonHandler):
    """Every path no route serves."""

    def prepare(self) -> None:
        super().prepare()
        if self.request.method != "OPTIONS":
            raise HTTPError(404, f"There is nothing at {self.request.path}.")
