"""The typed REST client stub, derived from the service table `contracts.CALLS`.

`await client.call(LOGIN, LoginRequest(...))` returns a `LoginReply` (the types follow
from the `Call`, so mypy checks both); a refusal raises
`ApiError` with the server's status code and message. Routes, methods, request and reply
types all come from the table, so nothing here names a route or a JSON shape.
"""

import logging
from importlib import metadata
from typing import TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from cli.errors import ApiError, Unreachable
from contracts import Call, ErrorReply, Status

Request = TypeVar("Request", bound=BaseModel)
Reply = TypeVar("Reply", bound=BaseModel)

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
DEVICE_COOKIE = "authserver_device"


def _user_agent() -> str:
    """`authcli/<version>`: how this client's sessions are named in a sessions list."""
    try:
        return f"authcli/{metadata.version('authserver')}"
    except metadata.PackageNotFoundError:
        return "authcli"


USER_AGENT = _user_agent()


class ApiClient:
    """One HTTP session to one server; `token` is sent on calls that need a session.

    `device` is the server's device cookie, sent with every call and replaced by the one
    each login returns (see docs/security.md).
    """

    def __init__(self, base_url: str, *, token: str | None = None,
                 describe: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.device: str | None = None
        # What to call the server in messages: the URL the person gave, not a tunnel port.
        self.describe = describe or self.base_url
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
            # Cookies are sent as chosen above, never from a jar of whatever came back.
            self._http = aiohttp.ClientSession(timeout=TIMEOUT,
                                               cookie_jar=aiohttp.DummyCookieJar())
        return self._http

    async def call(self, call: Call[Request, Reply], request: Request | None = None) -> Reply:
        """Make `call` (one of `contracts.CALLS`) and return its reply model, validated."""
        request = request if request is not None else call.request()
        if not isinstance(request, call.request):
            raise TypeError(
                f"{call.name} takes {call.request.__name__}, not {type(request).__name__}")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self.device:
            headers["Cookie"] = f"{DEVICE_COOKIE}={self.device}"
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
                if DEVICE_COOKIE in response.cookies:
                    self.device = response.cookies[DEVICE_COOKIE].value
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise Unreachable(f"cannot reach {self.describe}: {_reason(exc)}") from exc
        return self._decode(call, status, text)

    def _decode(self, call: Call[Request, Reply], status: int, text: str) -> Reply:
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
                               code=Status.of_http(status))
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
