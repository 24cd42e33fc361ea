"""Chat: messages are stored first, then delivered; history pages back through them."""

from authserver.store.models import ChatMessage, User
from contracts.events import ChatMessage as ChatReply
from contracts.events import History, HistoryRequest


def _as_reply(message: ChatMessage, username: str) -> ChatReply:
    return ChatReply(id=message.id, user=username, text=message.text, ts=message.created_at)


def store_message(*, user_id: int, username: str, text: str) -> ChatReply:
    """Write the message; it is acknowledged and sent only once this returns."""
    return _as_reply(ChatMessage.create(user=user_id, text=text), username)


def history_page(request: HistoryRequest) -> History:
    """Up to `limit` messages before `before` (or the latest), oldest first."""
    query = (
        ChatMessage.select(ChatMessage, User.username)
        .join(User)
        .order_by(ChatMessage.id.desc())
        .limit(request.limit + 1)
    )
    if request.before is not None:
        query = query.where(ChatMessage.id < request.before)
    rows = list(query)
    page = rows[: request.limit]
    return History(
        messages=[_as_reply(row, row.user.username) for row in reversed(page)],
        has_more=len(rows) > request.limit,
    )
