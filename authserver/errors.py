"""The one exception type of the server: a gRPC-like status and a sentence for people."""

from contracts import ErrorReply, Status


class ServiceError(Exception):
    """A refusal raised anywhere below the edge and answered there, once.

    The web layer turns it into an HTTP status and `{"error", "code"}`; the socket layer
    into an `error` (or `auth_error`) event. It is never a crash and never logged as one.
    """

    def __init__(
        self,
        status: Status,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.retry_after = retry_after

    def reply(self) -> ErrorReply:
        return ErrorReply(
            error=self.message, code=self.status, field=self.field, retry_after=self.retry_after
        )


def invalid(message: str, *, field: str | None = None) -> ServiceError:
    return ServiceError(Status.INVALID_ARGUMENT, message, field=field)


def unauthenticated(message: str = "Please log in.") -> ServiceError:
    return ServiceError(Status.UNAUTHENTICATED, message)


def exhausted(message: str, retry_after: int | None = None) -> ServiceError:
    return ServiceError(Status.RESOURCE_EXHAUSTED, message, retry_after=retry_after)
