"""Every time authcli shows names its zone: a reader elsewhere need not guess."""

import time
from datetime import UTC, datetime

import pytest
from prompt_toolkit.formatted_text import fragment_list_to_text

from cli.catalog import chat_line
from cli.times import clock, day_and_time, moment

WINTER = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def in_new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_and_name_their_zone(in_new_york):
    assert moment(WINTER) == "2026-12-02 04:30 EST"
    assert moment(SUMMER) == "2026-07-02 05:30 EDT"
    assert day_and_time(WINTER) == "Dec 02 04:30 EST"
    assert clock(WINTER) == "04:30 EST"
    assert fragment_list_to_text(chat_line("ada", "hi", WINTER)) == "04:30 EST ada: hi"
