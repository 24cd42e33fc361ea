"""gRPC-style status names, their HTTP statuses and the error body every client sees."""

from enum import StrEnum

from pydantic import BaseModel, Field

from contracts.messages import SecondFactorChallenge


class Status(StrEnum):
    """What went wrong, in the vocabulary of gRPC status codes."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]

    @classmethod
    def of_http(cls, http_status: int) -> "Status":
        """The status that best names an HTTP status sent without our error body (400 is
        INVALID_ARGUMENT; an unknown 5xx is INTERNAL, any other INVALID_ARGUMENT)."""
        for status in cls:  # declaration order: INVALID_ARGUMENT before FAILED_PRECONDITION
            if status.http_status == http_status:
                return status
        return cls.INTERNAL if http_status >= 500 else cls.INVALID_ARGUMENT


_HTTP_STATUS = {
    Status.INVALID_ARGUMENT: 400,
    Status.UNAUTHENTICATED: 401,
    Status.PERMISSION_DENIED: 403,
    Status.NOT_FOUND: 404,
    Status.METHOD_NOT_ALLOWED: 405,
    Status.ALREADY_EXISTS: 409,
    Status.FAILED_PRECONDITION: 400,
    Status.PAYLOAD_TOO_LARGE: 413,
    Status.UNSUPPORTED_MEDIA_TYPE: 415,
    Status.RESOURCE_EXHAUSTED: 429,
    Status.UNAVAILABLE: 503,
    Status.INTERNAL: 500,
}


class ErrorReply(BaseModel):
    """The body of every refusal, over HTTP and in Socket.IO `error` events.

    `error` is a sentence meant for a person; `code` is for programs. `field` names the
    request field at fault when there is one; `retry_after` is in seconds.
    `second_factor` comes with a login whose password was right for an account that has
    a second factor: the login is not done, and this says how to finish it.
    """

    error: str
    code: Status
    field: str | None = None
    retry_after: int | None = Field(default=None, ge=0)
    second_factor: SecondFactorChallenge | None = None
