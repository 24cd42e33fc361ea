"""The REPL's side of approval from a signed-in device: a new device logged in with this
account's password, and the server asks every signed-in REPL (and web page) whether that
was the person. The REPL prints the question with three numbers; a line that is one of
them, or `no`, answers it at the prompt. One answer anywhere closes it everywhere.
"""

import re
from datetime import UTC, datetime

from prompt_toolkit.formatted_text import FormattedText

from cli.errors import ApiError
from cli.live import LiveChannel
from contracts.events import LoginApprovalAnswer, LoginApprovalClosed, LoginApprovalRequest

NO = frozenset({"no", "n", "deny"})
_NUMBER = re.compile(r"^\d{1,2}$")


def _time(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M")


class ApprovalPrompt:
    """The request waiting for this REPL's answer, if any."""

    def __init__(self) -> None:
        self.pending: LoginApprovalRequest | None = None

    def asked(self, request: LoginApprovalRequest) -> list[FormattedText]:
        self.pending = request
        numbers = "   ".join(str(n) for n in request.numbers)
        return [
            FormattedText([("class:warn bold", "? Is this you signing in? "),
                           ("", f"{request.device or 'A device'} ({request.ip}) logged in "
                                f"with your password at {_time(request.at)}.")]),
            FormattedText([("", "  Type the number the new device shows: "),
                           ("bold", numbers),
                           ("", "   — or type "), ("bold", "no"), ("", " (No, it's not me).")]),
        ]

    def closed(self, event: LoginApprovalClosed) -> list[FormattedText]:
        if self.pending is None or self.pending.request_id != event.request_id:
            return []
        self.pending = None
        return self._result(event)

    def _result(self, event: LoginApprovalClosed) -> list[FormattedText]:
        style = "class:ok" if event.outcome == "approved" else "class:warn"
        lines = [FormattedText([(style, "* "), ("", event.message)])]
        if event.secure_account:
            lines.append(FormattedText([
                ("", "  To end every other session and change your password in one step, "
                     "type "), ("bold", "passwd"), ("", ".")]))
        return lines

    def takes(self, line: str) -> bool:
        """Whether `line` is an answer to the pending request (an expired one takes no
        answer: a number typed later is a chat message again)."""
        if self.pending is not None and self.pending.expires_at <= datetime.now(UTC):
            self.pending = None
        text = line.strip().lower()
        return self.pending is not None and (text in NO or bool(_NUMBER.match(text)))

    async def answer(self, channel: LiveChannel | None, line: str) -> list[FormattedText]:
        """Send the answer `line` gives; what to print. A refusal prints nothing here: the
        server's `error` event that comes with it says why."""
        assert self.pending is not None  # takes(line) said so
        text = line.strip().lower()
        payload = (LoginApprovalAnswer(request_id=self.pending.request_id, deny=True)
                   if text in NO else
                   LoginApprovalAnswer(request_id=self.pending.request_id, number=int(text)))
        if channel is None:
            return [FormattedText([("class:error", "✗ not connected: cannot answer now")])]
        request_id = self.pending.request_id
        try:
            closed = await channel.answer_approval(payload)
        except ApiError:
            # The server sends a refused answer's reason as an `error` event too (before
            # its ack), which the REPL prints already: printing it again doubled it.
            self.pending = None
            return []
        if self.pending is not None and self.pending.request_id == request_id:
            self.pending = None
            return self._result(closed)
        return []  # the closing event printed it already
