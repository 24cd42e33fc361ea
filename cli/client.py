"""The typed REST client stub, derived from the service table `contracts.CALLS`.

`await client.call("login", LoginRequest(...))` returns a `LoginReply`; a refusal raises
`ApiError` with the server's status code and message. Routes, methods, request and reply
types all come from the table, so nothing here names a route or a JSON shape.
"""

import logging
from importlib import metadata
from typing import Any

import aiohttp
from pydantic import BaseModel, ValidationError

from cli.errors import ApiError, Unreachable
from contracts import CALLS, Call, ErrorReply, Status

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)


def _user_agent() -> str:
    """`authcli/<version>`: how this client's sessions are named in a sessions list."""
    try:
        return f"authcli/{metadata.version('authserver')}"
    except metadata.PackageNotFoundError:
        return "authcli"


USER_AGENT = _user_agent()


def _status_for(http_status: int) -> Status:
    """The status that best names an HTTP status the server sent without an error body."""
    for status in Status:
        if status.http_status == http_status:
            return status
    return Status.INTERNAL if http_status >= 500 else Status.INVALID_ARGUMENT


class ApiClient:
    """One HTTP session to one server; `token` is sent on calls that need a session."""

    def __init__(self, base_url: str, *, token: str | None = None,
                 describe: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        # What to call the server in messages: the URL the person gave, not a tunnel port.
        self.describe = describe or self.base_url
        self._calls: dict[str, Call] = {call.name: call for call in CALLS}
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "ApiClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def call(self, name: str, request: BaseModel | None = None) -> Any:
        """Make the call `name` of `CALLS` and return its reply model, validated."""
        call = self._calls[name]
        request = request if request is not None else call.request()
        if not isinstance(request, call.request):
            raise TypeError(f"{name} takes {call.request.__name__}, not {type(request).__name__}")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if call.authenticated:
            if not self.token:
                raise ApiError(ErrorReply(error="not logged in", code=Status.UNAUTHENTICATED))
            headers["Authorization"] = f"Bearer {self.token}"
        body = None if call.method == "GET" else request.model_dump(mode="json")
        url = self.base_url + call.route
        log.debug("%s %s", call.method, url)
        try:
            async with self._session().request(call.method, url, json=body,
                                               headers=headers) as response:
                status = response.status
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise Unreachable(f"cannot reach {self.describe}: {_reason(exc)}") from exc
        return self._decode(call, status, text)

    def _decode(self, call: Call, status: int, text: str) -> BaseModel:
        if status == call.status:
            try:
                return call.reply.model_validate_json(text)
            except ValidationError as exc:
                raise ApiError(ErrorReply(
                    error=f"unexpected reply to {call.name} from {self.describe}",
                    code=Status.INTERNAL), status) from exc
        try:
            error = ErrorReply.model_validate_json(text)
        except ValidationError:
            if status in (502, 503, 504):
                raise Unreachable(
                    f"cannot reach {self.describe}: HTTP {status} from a proxy") from None
            error = ErrorReply(error=f"HTTP {status} from {self.describe}",
                               code=_status_for(status))
        raise ApiError(error, status)


def _reason(exc: BaseException) -> str:
    """A short human reason for a transport failure, without the exception's class soup."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(os_error, ConnectionRefusedError):
            return "connection refused"
        return (os_error.strerror or str(os_error)) if os_error else str(exc)
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__
