"""Version 17, frozen: the database numbers a chat message that comes without a `seq`.

Version 16 left `seq` nullable so that a row written by plain SQL that knows nothing of it
(an operator's loader, a restore by hand) stays valid; such a row had no place in the room
and went out as seq 0. Now the database gives it one where it is written: a trigger sets
it to the room's next number (MAX(seq) + 1) whenever an insert leaves it empty. The server
still writes its own number (services/chat/messages.py); on PostgreSQL the trigger takes
the same advisory lock, so the two never give one number twice and read it only once the
number before it is committed. SQLite has one writer at a time, so an AFTER INSERT trigger
(SQLite's BEFORE triggers cannot change the row) numbers it inside the insert's own
transaction. Rows written without a number since version 16 are numbered now, in id order,
after every numbered one.
"""

from peewee import SqliteDatabase

_SQLITE_TRIGGER = """
    CREATE TRIGGER chat_message_seq AFTER INSERT ON chat_message
    FOR EACH ROW WHEN NEW.seq IS NULL
    BEGIN
        UPDATE chat_message
            SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM chat_message)
            WHERE id = NEW.id;
    END
"""

# 7041994: services/chat/messages.py's _SEQ_LOCK (a frozen version imports no live code).
_POSTGRESQL_FUNCTION = """
    CREATE FUNCTION chat_message_seq() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq IS NULL THEN
            PERFORM pg_advisory_xact_lock(7041994);
            NEW.seq := (SELECT COALESCE(MAX(seq), 0) + 1 FROM chat_message);
        END IF;
        RETURN NEW;
    END
    $$
"""

_POSTGRESQL_TRIGGER = """
    CREATE TRIGGER chat_message_seq BEFORE INSERT ON chat_message
    FOR EACH ROW EXECUTE FUNCTION chat_message_seq()
"""


def _number_the_unnumbered(database) -> None:
    """One UPDATE a row: an UPDATE reading the column it writes would see its own
    progress on SQLite and not on PostgreSQL."""
    (highest,) = database.execute_sql("SELECT COALESCE(MAX(seq), 0) FROM chat_message"
                                      ).fetchone()
    unnumbered = database.execute_sql(
        "SELECT id FROM chat_message WHERE seq IS NULL ORDER BY id").fetchall()
    for seq, (message_id,) in enumerate(unnumbered, start=highest + 1):
        mark = database.param  # the driver's placeholder: '?' or '%s'
        database.execute_sql(f"UPDATE chat_message SET seq = {mark} WHERE id = {mark}",  # noqa: S608
                             (seq, message_id))


def apply(database) -> None:
    _number_the_unnumbered(database)
    if isinstance(database, SqliteDatabase):
        database.execute_sql(_SQLITE_TRIGGER)
    else:
        database.execute_sql(_POSTGRESQL_FUNCTION)
        database.execute_sql(_POSTGRESQL_TRIGGER)
