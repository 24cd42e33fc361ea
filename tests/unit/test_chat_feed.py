"""The typed client's chat feed: a gap in the seqs, or a reconnect, fetches what was missed
from history; every message is shown once and in seq order."""

from datetime import UTC, datetime

from cli.chat_feed import ChatFeed
from contracts.events import ChatMessage, History, HistoryRequest


def _message(seq: int) -> ChatMessage:
    return ChatMessage(id=100 + seq, user="ada", text=f"message {seq}",
                       ts=datetime(2026, 12, 7, tzinfo=UTC), seq=seq)


class Room:
    """What the server stored, answering `history {after}` as the server does."""

    def __init__(self, last: int, page: int = 2) -> None:
        self.stored = [_message(seq) for seq in range(1, last + 1)]
        self.page = page
        self.asked: list[int | None] = []

    async def fetch(self, request: HistoryRequest) -> History:
        self.asked.append(request.after)
        after = [m for m in self.stored if m.seq > (request.after or 0)]
        return History(messages=after[: self.page], has_more=len(after) > self.page)


async def test_a_gap_fetches_the_missed_messages_before_the_live_one():
    room, shown = Room(last=7), []
    feed = ChatFeed(room.fetch, lambda message: shown.append(message.seq))
    await feed.received(_message(1))
    await feed.received(_message(2))
    assert room.asked == []  # no gap, no question
    await feed.received(_message(6))  # 3, 4 and 5 never came live
    assert room.asked == [2, 4, 6]  # paged by two until nothing more
    assert shown == [1, 2, 3, 4, 5, 6, 7]
    await feed.received(_message(7))  # came from history already
    assert shown == [1, 2, 3, 4, 5, 6, 7]


async def test_a_reconnect_fetches_what_was_said_while_away():
    room, shown = Room(last=4), []
    feed = ChatFeed(room.fetch, lambda message: shown.append(message.seq))
    await feed.reconnected()  # nothing shown yet: nothing to catch up on
    assert room.asked == []
    await feed.received(_message(1))
    await feed.reconnected()
    assert room.asked == [1, 3]
    assert shown == [1, 2, 3, 4]
