"""Times travel in UTC with their offset, and authcli shows them in the reader's zone."""

import os
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from prompt_toolkit.formatted_text import fragment_list_to_text

from cli.catalog import chat_line
from contracts.events import ChatMessage

STORED = datetime(2026, 12, 2, 9, 30)  # naive, as the database keeps it: UTC


def test_a_stored_time_goes_out_in_utc_with_its_offset():
    message = ChatMessage(id=1, user="ada", text="hi", ts=STORED, seq=1)
    assert '"ts":"2026-12-02T09:30:00Z"' in message.model_dump_json()


def test_a_time_with_another_offset_is_given_in_utc():
    paris = datetime(2026, 12, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    message = ChatMessage(id=1, user="ada", text="hi", ts=paris, seq=1)
    assert message.ts == STORED.replace(tzinfo=UTC)


@pytest.fixture
def new_york():
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_authcli_prints_a_chat_at_the_readers_local_time(new_york):
    wire = ChatMessage(id=1, user="ada", text="hi", ts=STORED, seq=1).model_dump_json()
    received = ChatMessage.model_validate_json(wire)
    assert fragment_list_to_text(chat_line(received.user, received.text, received.ts)) \
        .startswith("04:30 ")  # 09:30 UTC is 04:30 in New York in December
