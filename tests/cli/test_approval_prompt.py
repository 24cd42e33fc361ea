"""The REPL's reading of answers to an approval request: a number or `no` while the
request is open; once it has expired, the same line is a chat message again."""

import asyncio
from datetime import UTC, datetime, timedelta

from cli.approval_prompt import ApprovalPrompt
from cli.errors import ApiError
from contracts import ErrorReply, Status
from contracts.events import LoginApprovalRequest


def request(expires_in: float) -> LoginApprovalRequest:
    now = datetime.now(UTC)
    return LoginApprovalRequest(request_id="r" * 22, numbers=[12, 47, 83], device="curl/8",
                                ip="192.0.2.1", at=now,
                                expires_at=now + timedelta(seconds=expires_in))


def test_an_open_request_takes_a_number_or_no():
    prompt = ApprovalPrompt()
    assert not prompt.takes("47")  # nothing asked
    lines = prompt.asked(request(60))
    assert "12   47   83" in "".join(text for line in lines for _, text in line)
    for line in ("47", " 12 ", "no", "N", "deny"):
        assert prompt.takes(line), line
    for line in ("hello", "477", "yes", ""):
        assert not prompt.takes(line), line


def test_an_expired_request_takes_nothing():
    prompt = ApprovalPrompt()
    prompt.asked(request(-1))
    assert not prompt.takes("47")
    assert prompt.pending is None


class RefusingChannel:
    """A live channel whose server refuses the answer (as it does for a session itself
    signed in by approval): the reason comes as an `error` event and as the ack."""

    async def answer_approval(self, answer):
        raise ApiError(ErrorReply(error="This device was itself signed in by approval.",
                                  code=Status.PERMISSION_DENIED))


def test_a_refused_answer_prints_its_reason_once():
    prompt = ApprovalPrompt()
    prompt.asked(request(60))
    # The REPL shows the `error` event; the answer adds no second copy of it.
    assert asyncio.run(prompt.answer(RefusingChannel(), "47")) == []
    assert prompt.pending is None
