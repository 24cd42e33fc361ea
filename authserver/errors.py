"""The one exception type of the server: a gRPC-like status and a sentence for people."""

from pydantic import ValidationError

from contracts import ErrorReply, Status
from contracts.fields import CONTROL_CHARACTERS, FIELD_RULES


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
        # which rate limit refused, for the audit log; never sent to the client
        self.limit: str | None = None

    def reply(self) -> ErrorReply:
        return ErrorReply(
            error=self.message, code=self.status, field=self.field, retry_after=self.retry_after
        )


class SecondFactorRequired(ServiceError):
    """The password was right, but the account has a second factor: the login is not
    done. Answered as 401 carrying the challenge that finishes it, so a client that
    does not know the second step shows a refusal that names it."""

    def __init__(self, challenge) -> None:
        code = ("finish the login with the code from your authenticator app "
                "(POST /api/login/second-factor, or the socket event 'second_factor', "
                "with this challenge).")
        message = "This account has a second factor: " + code
        if challenge.number is not None:
            message = (f"Approve this sign-in on a device you are signed in on: pick "
                       f"{challenge.number} there (wait with POST /api/login/approval/wait "
                       "and this challenge).")
            if "totp" in challenge.factors:  # without an app there is no code to offer
                message += " Or " + code
        super().__init__(Status.UNAUTHENTICATED, message)
        self.challenge = challenge

    def reply(self) -> ErrorReply:
        return ErrorReply(error=self.message, code=self.status, second_factor=self.challenge)


def invalid(message: str, *, field: str | None = None) -> ServiceError:
    return ServiceError(Status.INVALID_ARGUMENT, message, field=field)


def unauthenticated(message: str = "Please log in.") -> ServiceError:
    return ServiceError(Status.UNAUTHENTICATED, message)


def exhausted(message: str, retry_after: int | None = None) -> ServiceError:
    return ServiceError(Status.RESOURCE_EXHAUSTED, message, retry_after=retry_after)


def describe(error: ValidationError) -> ServiceError:
    """The first problem of a refused request, in words, naming its field."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    if first["type"] == "missing":
        message = f"The field '{field}' is required."
    elif first["type"] == "extra_forbidden":
        message = f"Unknown field '{field}'."
    elif first["type"] in {"model_type", "dict_type"} and not first["loc"]:
        message, field = "The body must be a JSON object.", None
    elif first["type"] == CONTROL_CHARACTERS:
        message = (f"The field '{field}' may not contain control characters "
                   "(such as NUL or a line break).")
    elif field in FIELD_RULES and first["type"] != "string_type":
        message = FIELD_RULES[field]
    else:
        message = f"{field}: {first['msg']}." if field else f"{first['msg']}."
    return invalid(message, field=field)
