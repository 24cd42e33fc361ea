"""What can go wrong for a client, each kind with the exit code a script sees."""

from contracts.errors import ErrorReply, Status


class CliError(Exception):
    """A failure told to the person in one line; `exit_code` is what a script gets."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(CliError):
    """The server (or the local session state) said no: exit 1."""

    exit_code = 1


class UsageError(CliError):
    """The command line itself is wrong: exit 2."""

    exit_code = 2


class Unreachable(CliError):
    """The server, or the SSH host in front of it, cannot be reached: exit 3."""

    exit_code = 3


class NotLoggedIn(Refused):
    def __init__(self, server: str, login: str = "authcli login") -> None:
        super().__init__(f"not logged in to {server}; run '{login}' first")


class ApiError(Refused):
    """A refusal carrying the server's error body: its status `code`, message and field."""

    def __init__(self, reply: ErrorReply, http_status: int | None = None) -> None:
        super().__init__(reply.error)
        self.reply = reply
        self.code: Status = reply.code
        self.field = reply.field
        self.retry_after = reply.retry_after
        self.http_status = http_status if http_status is not None else reply.code.http_status

    def __str__(self) -> str:
        text = f"{self.message} ({self.code.value})"
        if self.retry_after:
            text += f"; retry in {self.retry_after} s"
        return text
