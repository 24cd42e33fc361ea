"""The background task that delivers back-channel logout tokens (services/oauth/
backchannel.py holds the queue).

It wakes when a token is queued in this process (or at the next retry time, or every
POLL_SECONDS to notice rows queued by another process: store/leased_queue.py's
`LeasedWorker`, as the mail worker), claims one due row, signs its
token and POSTs it as a form (`logout_token=...`, section 2.5) with aiohttp: never on the
loop's time, within POST_TIMEOUT_SECONDS, and never following a redirect (a redirect is
not an answer, and would carry the token elsewhere). A 2xx settles the row; anything
else schedules a retry with backoff.
"""

import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp

from authserver.services.oauth import backchannel
from authserver.settings import Settings
from authserver.store.database import Store
from authserver.store.leased_queue import LeasedWorker

log = logging.getLogger(__name__)

POST_TIMEOUT_SECONDS = 10.0


def issuer(settings: Settings) -> str:
    """The `iss` of logout tokens: PUBLIC_URL; in development without it, the loopback
    origin of the port (no request here names the origin apps know)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"http://127.0.0.1:{settings.port}"


class LogoutDelivery(LeasedWorker):
    task_name = "backchannel-logout"
    label = "logout delivery"
    log = log

    def __init__(self, store: Store, settings: Settings) -> None:
        super().__init__(store)
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None

    async def stop(self, grace: float) -> None:
        """Stop claiming; let the POST in flight finish within `grace`, then make sure the
        task has ended. A row cut off is delivered after its lease, by whichever worker
        runs then."""
        await super().stop(grace)
        if self._http is not None:
            await self._http.close()

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
        self._http = aiohttp.ClientSession(timeout=timeout)
        await super()._run()

    async def next_due(self) -> datetime | None:
        return await self.store.run(backchannel.next_due_at)

    async def work_due(self) -> None:
        await self.deliver_due()

    async def deliver_due(self) -> None:
        while not self._stopping:
            row = await self.store.run(backchannel.claim_next)
            if row is None:
                return
            await self._deliver(row)

    async def _deliver(self, row) -> None:
        assert self._http is not None
        token = await self.store.run(backchannel.logout_token, self.settings.secret_key,
                                     issuer(self.settings), row)
        try:
            async with self._http.post(row.uri, data={"logout_token": token},
                                       allow_redirects=False) as reply:
                if not 200 <= reply.status < 300:
                    raise RuntimeError(f"the app answered {reply.status}")
        except (aiohttp.ClientError, TimeoutError, RuntimeError) as exc:
            status = await self.store.run(backchannel.mark_failed_attempt, row,
                                          str(exc) or type(exc).__name__)
            logger = log.error if status == backchannel.FAILED else log.warning
            logger("back-channel logout %d to client %s not delivered (%s): %s",
                   row.id, row.client_id, status, exc)
            return
        await self.store.run(backchannel.mark_sent, row.id)
        log.info("back-channel logout %d delivered to client %s", row.id, row.client_id)


def session_listener(store: Store, queued: Callable[[], None]):
    """A listener for `Context.session_listeners`: a session just ended, so the apps it
    signed in to are owed their logout tokens (written just after the session's end,
    which many acts make in their own ways; the ends made in one transaction with
    grants, a reset, a disabling, a deletion, also write them in it)."""
    async def ended(session_id: int, reason: str) -> None:
        await store.run(backchannel.queue_for_sessions, [session_id])
        queued()
    return ended
