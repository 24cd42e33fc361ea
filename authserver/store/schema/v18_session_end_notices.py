"""Version 18, frozen: on PostgreSQL, a session that ends says so on a channel.

Without Redis, the servers sharing one PostgreSQL database had no channel for ended
sessions but the database itself, which each asked every half second while it held
sockets. Now the database announces each end as it commits: a trigger NOTIFYs
`authserver_sessions_ended` with the session's id when a live session is revoked or
deleted (its account deleted, a cascade included), and the servers LISTEN
(services/sessions/end_notices.py). A NOTIFY is delivered at commit, and not at all if
the transaction rolls back. Sessions that had expired already say nothing: each server's
timer ended their sockets. An account's role that changes says `user:<id>` on the same
channel, as the Redis channel does, so its sockets join or leave the admins' room at once
(the operator's `users grant-admin|revoke-admin` included).

Each notice names, after the id, the connection's `application_name`, which each server
sets to a name of its own: the server that ended a session told its own sockets why, and
takes no notice of its own. SQLite has no such channel (services/sessions/sweep.py
watches its files instead), so this version changes nothing there.
"""

from peewee import SqliteDatabase

_FUNCTION = """
    CREATE FUNCTION session_end_notice() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.revoked_at IS NULL AND OLD.expires_at > (now() AT TIME ZONE 'utc') THEN
                PERFORM pg_notify('authserver_sessions_ended',
                                  OLD.id::text || ' ' || current_setting('application_name'));
            END IF;
            RETURN OLD;
        END IF;
        PERFORM pg_notify('authserver_sessions_ended',
                          NEW.id::text || ' ' || current_setting('application_name'));
        RETURN NEW;
    END
    $$
"""

_ON_REVOKE = """
    CREATE TRIGGER session_revoked_notice AFTER UPDATE OF revoked_at ON session
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION session_end_notice()
"""

_ON_DELETE = """
    CREATE TRIGGER session_deleted_notice AFTER DELETE ON session
    FOR EACH ROW EXECUTE FUNCTION session_end_notice()
"""

_ROLE_FUNCTION = """
    CREATE FUNCTION user_role_notice() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('authserver_sessions_ended',
                          'user:' || NEW.id::text || ' ' || current_setting('application_name'));
        RETURN NEW;
    END
    $$
"""

_ON_ROLE = """
    CREATE TRIGGER user_role_notice AFTER UPDATE OF role ON "user"
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION user_role_notice()
"""


def apply(database) -> None:
    if isinstance(database, SqliteDatabase):
        return
    database.execute_sql(_FUNCTION)
    database.execute_sql(_ON_REVOKE)
    database.execute_sql(_ON_DELETE)
    database.execute_sql(_ROLE_FUNCTION)
    database.execute_sql(_ON_ROLE)
