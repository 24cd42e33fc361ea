"""The service table: every REST call, like the `service` block of a .proto file.

The server's routes, the OpenAPI document and the CLI's client stub are all derived
from `CALLS`; nothing else names a route or a payload shape.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from contracts import messages as m
from contracts.errors import Status


@dataclass(frozen=True)
class Call:
    """One REST call: its request and reply types, route, success status and errors."""

    name: str
    method: str
    route: str
    request: type[BaseModel]
    reply: type[BaseModel]
    status: int
    errors: tuple[Status, ...]
    summary: str
    authenticated: bool = False


_BODY = (Status.INVALID_ARGUMENT, Status.PAYLOAD_TOO_LARGE, Status.RESOURCE_EXHAUSTED)

CALLS: tuple[Call, ...] = (
    Call(
        name="health",
        method="GET",
        route="/api/health",
        request=m.Empty,
        reply=m.Health,
        status=200,
        errors=(Status.UNAVAILABLE,),
        summary="Is the server up and its database reachable?",
    ),
    Call(
        name="ready",
        method="GET",
        route="/api/ready",
        request=m.Empty,
        reply=m.Ready,
        status=200,
        errors=(Status.UNAVAILABLE,),
        summary="Can this process serve: database reachable, schema current, mail sender "
        "running, not stopping?",
    ),
    Call(
        name="signup",
        method="POST",
        route="/api/signup",
        request=m.SignupRequest,
        reply=m.SignupReply,
        status=201,
        errors=(*_BODY, Status.ALREADY_EXISTS),
        summary="Create an account; a 6-digit code is mailed to the address.",
    ),
    Call(
        name="verify_email",
        method="POST",
        route="/api/verify-email",
        request=m.VerifyEmailRequest,
        reply=m.Notice,
        status=200,
        errors=_BODY,
        summary="Prove the address with the code it received.",
    ),
    Call(
        name="login",
        method="POST",
        route="/api/login",
        request=m.LoginRequest,
        reply=m.LoginReply,
        status=200,
        errors=(*_BODY, Status.UNAUTHENTICATED, Status.PERMISSION_DENIED),
        summary="Exchange a username (or email) and password for a session token.",
    ),
    Call(
        name="resend_verification",
        method="POST",
        route="/api/resend-verification",
        request=m.ResendRequest,
        reply=m.Notice,
        status=200,
        errors=_BODY,
        summary="Mail a new code; the reply is the same whether or not the address exists.",
    ),
    Call(
        name="me",
        method="GET",
        route="/api/me",
        request=m.Empty,
        reply=m.User,
        status=200,
        errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
        summary="Who holds this session token?",
        authenticated=True,
    ),
    Call(
        name="logout",
        method="POST",
        route="/api/logout",
        request=m.Empty,
        reply=m.Notice,
        status=200,
        errors=(Status.UNAUTHENTICATED, Status.RESOURCE_EXHAUSTED),
        summary="Revoke this session token everywhere it is used.",
        authenticated=True,
    ),
)


def call_named(name: str) -> Call:
    """The call of that name; a KeyError names a call that does not exist."""
    for call in CALLS:
        if call.name == name:
            return call
    raise KeyError(name)
