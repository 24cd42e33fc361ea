"""Chat: messages are stored first, then delivered; history pages back through them.

Each message takes the next `seq` of the room inside its own insert's transaction: the
row is written with MAX(seq) + 1. On PostgreSQL the transaction first takes an advisory
lock, so writers take turns and each reads the number its predecessor committed (a race
settled by the unique index alone starves under load: with 40 chats at once, one lost 20
times). SQLite has one writer; should two processes still race, the unique index on `seq`
refuses the second and it takes the next number. Either way a number is read only once the
one before it is committed, so the room's messages become visible in seq order with no
holes: a client that asks for everything after its last seq never skips one still being
written. A row written by plain SQL without a seq (a loader) is numbered by the database
in the same way, under the same lock (schema version 17), so every row has its place.
"""

from peewee import IntegrityError, PostgresqlDatabase, fn

from authserver.store.database import database_proxy
from authserver.store.models import ChatMessage, User, utcnow
from contracts.events import ChatMessage as ChatReply
from contracts.events import History, HistoryRequest

SEQ_ATTEMPTS = 5  # each lost race means another message was stored meanwhile
_SEQ_LOCK = 7_041_994  # PostgreSQL advisory lock: the room's numbering, one at a time


def _as_reply(message: ChatMessage, username: str) -> ChatReply:
    return ChatReply(id=message.id, user=username, text=message.text, ts=message.created_at,
                     seq=message.seq)


def _next_seq():
    return ChatMessage.select(fn.COALESCE(fn.MAX(ChatMessage.seq), 0) + 1)


def store_message(*, user_id: int, username: str, text: str) -> ChatReply:
    """Write the message with the room's next seq; it is acknowledged and sent only once
    this returns."""
    for _ in range(SEQ_ATTEMPTS - 1):
        try:
            with database_proxy.obj.atomic():
                return _insert(user_id, username, text)
        except IntegrityError:
            continue  # another worker took this seq first: read the next one
    with database_proxy.obj.atomic():
        return _insert(user_id, username, text)


def _insert(user_id: int, username: str, text: str) -> ChatReply:
    database = database_proxy.obj
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_SEQ_LOCK,))
    message_id = ChatMessage.insert(user=user_id, text=text, created_at=utcnow(),
                                    seq=_next_seq()).execute()
    return _as_reply(ChatMessage.get_by_id(message_id), username)


def latest_message() -> ChatReply | None:
    """The room's newest message, if any."""
    row = (ChatMessage.select(ChatMessage, User.username).join(User)
           .order_by(ChatMessage.seq.desc()).first())
    return _as_reply(row, row.user.username) if row is not None else None


def history_page(request: HistoryRequest) -> History:
    """With `after`: up to `limit` messages after that seq, oldest first (what a client
    missed). Without: up to `limit` messages before `before` (or the latest), oldest
    first."""
    query = ChatMessage.select(ChatMessage, User.username).join(User).limit(request.limit + 1)
    if request.after is not None:
        rows = list(query.where(ChatMessage.seq > request.after).order_by(ChatMessage.seq))
        page = rows[: request.limit]
    else:
        query = query.order_by(ChatMessage.id.desc())
        if request.before is not None:
            query = query.where(ChatMessage.id < request.before)
        rows = list(query)
        page = list(reversed(rows[: request.limit]))
    return History(
        messages=[_as_reply(row, row.user.username) for row in page],
        has_more=len(rows) > request.limit,
    )
