"""What an operator's command works with: the use cases' context, without a server.

Rate limits are off (the operator is not a client to be throttled), and every action is
attributed to the operator's OS user in the audit log.
"""

import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from authserver.mail import sealing
from authserver.mail.worker import MailWorker
from authserver.security.passwords import PasswordHasher
from authserver.security.ratelimit.limiter import RateLimiter
from authserver.services.context import Caller, Context
from authserver.services.oauth import keys
from authserver.services.oauth.logout_delivery import session_listener
from authserver.settings import Settings
from authserver.store.database import Store


def os_user() -> str:
    """Who runs the command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "unknown"


def operator_caller(command: str) -> Caller:
    """The operator, seen by the services as a caller of its own kind."""
    return Caller(ip="local", user_agent=f"authserver {command}",
                  channel=f"operator {os_user()}")


@asynccontextmanager
async def operator_context(settings: Settings, sender=None) -> AsyncIterator[Context]:
    """A context on the settings' database; mail it queues goes out through `sender`
    before the context closes (or waits in the outbox for the server)."""
    sealing.install(settings.secret_key, settings.secret_key_previous)
    keys.open_with_previous(settings.secret_key_previous)
    store = Store(settings.database_url)
    passwords = PasswordHasher(settings.bcrypt_rounds)
    limiter = RateLimiter(redis_url=None, enabled=False)
    mail = MailWorker(store, sender) if sender is not None else None
    queued = []
    ctx = Context(settings=settings, store=store, passwords=passwords, limiter=limiter,
                  mail_queued=lambda: queued.append(True))
    # A session the operator ends owes its apps logout tokens; a server delivers them.
    ctx.session_listeners.append(session_listener(store, lambda: None))
    try:
        yield ctx
        if mail is not None and queued:
            await mail.send_due()
    finally:
        passwords.close()
        await store.close()
