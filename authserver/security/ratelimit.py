"""Rate limits on the `limits` library: in memory for one process, in Redis for many.

A limit is a name and one or more moving-window rates ("5/15minutes;10/hour"); callers
count a hit under a key (an address, an account, a client IP) and get a
RESOURCE_EXHAUSTED refusal with the seconds to wait once any rate is spent. Several
rates on one limit make waits grow: the first few refusals last minutes, persistent
guessing runs into the hourly and daily rates.

A refused hit is not counted, so hammering a closed limit does not keep it closed
longer than its window.
"""

import asyncio
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager

from limits import RateLimitItem, parse_many
from limits.aio.storage import MovingWindowSupport, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from authserver.errors import ServiceError, exhausted
from contracts import Status

log = logging.getLogger(__name__)

Clock = Callable[[], float]
SWEEP_SECONDS = 60

# name -> default rates; each is a setting, LIMIT_<NAME> (see authserver/settings.py).
DEFAULT_LIMITS: Mapping[str, str] = {
    # failed logins of one account from one client address; a success clears it
    "login_account_ip": "5/15minutes;10/hour;20/day",
    # failed logins of one account from all clients without its device cookie
    "login_account": "100/day",
    # failed logins of one account from one client with its device cookie
    "login_device": "10/15minutes;20/day",
    # failed logins from one client address, whatever the accounts
    "login_ip": "50/15minutes;500/day",
    # sign-ups from one client address
    "signup_ip": "60/hour;500/day",
    # resend requests for one address string from one client, known or not
    "resend_address": "1/minute;10/day",
    # resend requests from one client address, whatever the addresses
    "resend_ip": "30/hour;200/day",
    # code checks (verify-email) from one client address, whatever the addresses
    "verify_ip": "30/hour;200/day",
    # wrong tries at one code (or at an address with none) from one client address
    "code_client": "5/day",
    # chat messages of one user
    "chat_user": "30/10seconds;600/hour",
    # new Socket.IO (Engine.IO) connections from one client address
    "socket_connect_ip": "120/minute;3000/hour",
    # password reset codes asked for one address string from one client, known or not
    "forgot_address": "1/minute;10/day",
    # codes (reset or verification) asked for one address string from every client: a
    # cap high enough that its owner still gets one whatever strangers ask
    "code_address": "100/day",
    # password reset codes asked from one client address, whatever the addresses
    "forgot_ip": "30/hour;200/day",
    # reset attempts (code + new password) from one client address
    "reset_ip": "30/hour;200/day",
    # wrong current passwords given by one signed-in account (change password or email,
    # delete account): a stolen session cannot be turned into a password oracle
    "password_check_user": "5/15minutes;20/day",
    # email changes asked by one account: each mails a code to an address it names
    "email_change_user": "3/hour;10/day",
    # unauthenticated `message` echoes on one socket
    "echo_socket": "30/10seconds;600/hour",
    # `message` echoes from one client address, whatever the sockets
    "echo_ip": "120/10seconds;3000/hour",
    # wrong second-factor codes (TOTP or recovery) of one account, whatever the login
    # attempt: six digits must not be guessable by starting many logins
    "second_factor_user": "5/15minutes;10/hour;20/day",
    # admin API calls of one administrator: a stolen admin session cannot walk the
    # whole user table or act on every account at machine speed
    "admin_user": "120/minute;2000/hour",
    # passkey login ceremonies started from one client address (each stores a challenge)
    "passkey_options_ip": "30/minute;600/hour",
}


def parse_rates(spec: str) -> list[RateLimitItem]:
    """The rates of a spec like "5/15minutes;100/day"; ValueError when it is not one."""
    rates = parse_many(spec)
    if not rates or any(rate.amount < 1 for rate in rates):
        raise ValueError(spec)
    return rates


class ClockedMemoryStorage(Storage, MovingWindowSupport):
    """Moving windows in this process's memory, read against an injectable clock.

    limits' own MemoryStorage reads `time.time()` itself, so a test could only see a
    window pass by sleeping through it; this storage asks `clock`. Each key (one rate
    of one limit for one caller) keeps the times of its hits, newest first, and drops
    those older than its window when touched; keys nobody touched for a while are swept
    at most once a minute, on a hit, so nothing needs a background task.
    """

    STORAGE_SCHEME = ["async+clocked-memory"]

    def __init__(self, clock: Clock = time.time) -> None:
        super().__init__()
        self.clock = clock
        self._hits: dict[str, list[float]] = {}
        self._ends: dict[str, float] = {}  # key -> when its newest hit leaves its window
        self._next_sweep = clock() + SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = self.clock()
        hits = self._recent(key, now, expiry)
        if len(hits) + amount > limit:
            return False
        self._hits[key] = [now] * amount + hits
        self._ends[key] = now + expiry
        if now >= self._next_sweep:
            self._sweep(now)
        return True

    def _sweep(self, now: float) -> None:
        for key in [key for key, end in self._ends.items() if end <= now]:
            self.clear_now(key)
        self._next_sweep = now + SWEEP_SECONDS

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self.clock()
        hits = self._recent(key, now, expiry)
        return (hits[-1], len(hits)) if hits else (now, 0)

    def _recent(self, key: str, now: float, expiry: int) -> list[float]:
        """The hits of `key` still in its window, newest first; a key left with none
        is forgotten."""
        hits = [at for at in self._hits.get(key, ()) if at > now - expiry]
        if hits:
            self._hits[key] = hits
        else:
            self.clear_now(key)
        return hits

    def clear_now(self, key: str) -> None:
        self._hits.pop(key, None)
        self._ends.pop(key, None)

    async def clear(self, key: str) -> None:
        self.clear_now(key)

    # Counters of fixed windows: this limiter uses moving windows only.
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError

    async def get(self, key: str) -> int:
        raise NotImplementedError

    async def get_expiry(self, key: str) -> float:
        raise NotImplementedError

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        count = len(self._hits)
        self._hits.clear()
        self._ends.clear()
        return count


def _scaled(rate: RateLimitItem, scale: float) -> RateLimitItem:
    if scale == 1:
        return rate
    return type(rate)(max(1, round(rate.amount * scale)), rate.multiples, rate.namespace)


class KeyedLocks:
    """One asyncio semaphore of `width` per key, dropped when nobody holds or waits.

    Login attempts for one account and address are checked one at a time in a process
    (width 1), so each sees the failures counted by the one before: a burst of
    concurrent guesses gets no more evaluated than a sequence would. Per address, a
    width as large as the hashing pool keeps a burst across many accounts from passing
    the address ceiling all at once.
    """

    def __init__(self, width: int = 1, enabled: bool = True) -> None:
        self.width = width
        self.enabled = enabled
        self._locks: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        if not self.enabled:  # no limits to keep exact: nothing to wait for
            yield
            return
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Semaphore(self.width)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class RateLimiter:
    """Counts hits per (limit, key) and refuses past the limit's rates."""

    def __init__(
        self,
        *,
        redis_url: str | None,
        enabled: bool = True,
        overrides: Mapping[str, str] | None = None,
        scale: float = 1.0,
        prefix: str = "authserver",
        clock: Clock = time.time,
    ) -> None:
        """`clock` (seconds, like time.time) serves in-memory limits; tests pass their
        own to move past a window without waiting. Redis keeps its own time."""
        self._clock = clock
        if redis_url:
            storage = storage_from_string(
                "async+" + redis_url, implementation="redispy", key_prefix=f"{prefix}:limits"
            )
        else:
            storage = ClockedMemoryStorage(clock)
        self._strategy = MovingWindowRateLimiter(storage)
        self.serial = KeyedLocks(enabled=enabled)
        self.per_address = KeyedLocks(width=os.cpu_count() or 1, enabled=enabled)
        self.enabled = enabled
        specs = {**DEFAULT_LIMITS, **(overrides or {})}
        self._rates: dict[str, list[RateLimitItem]] = {
            name: [_scaled(rate, scale) for rate in parse_rates(spec)]
            for name, spec in specs.items()
        }

    def rates(self, limit: str) -> list[RateLimitItem]:
        return self._rates[limit]

    async def _retry_after(self, rate: RateLimitItem, limit: str, key: str) -> int:
        stats = await self._strategy.get_window_stats(rate, limit, key)
        return max(1, math.ceil(stats.reset_time - self._clock()))

    async def hit(self, limit: str, key: str, message: str) -> None:
        """Count one hit; raise a 429-style ServiceError when a rate is exceeded.

        Every rate is checked before any is counted, so a refusal counts nothing.
        """
        if not self.enabled:
            return
        with _storage_errors():
            await self._refuse_if_spent(limit, key, message)
            for rate in self._rates[limit]:
                if not await self._strategy.hit(rate, limit, key):
                    raise _refusal(message, await self._retry_after(rate, limit, key), limit)

    async def count(self, limit: str, key: str) -> None:
        """Count one hit without refusing: for what already happened (a failed login)."""
        if not self.enabled:
            return
        with _storage_errors():
            for rate in self._rates[limit]:
                await self._strategy.hit(rate, limit, key)

    async def first_in(self, window: str, key: str) -> bool:
        """True for the first call with `key` in each `window` (e.g. "1/minute")."""
        if not self.enabled:
            return True
        with _storage_errors():
            return await self._strategy.hit(parse_rates(window)[0], "first", key)

    async def check(self, limit: str, key: str, message: str) -> None:
        """Refuse, without counting anything, when a rate of the limit is spent."""
        if not self.enabled:
            return
        with _storage_errors():
            await self._refuse_if_spent(limit, key, message)

    async def _refuse_if_spent(self, limit: str, key: str, message: str) -> None:
        waits = [
            await self._retry_after(rate, limit, key)
            for rate in self._rates[limit]
            if not await self._strategy.test(rate, limit, key)
        ]
        if waits:
            raise _refusal(message, max(waits), limit)

    async def clear(self, limit: str, key: str) -> None:
        """Forget every hit of `key` under `limit`."""
        if not self.enabled:
            return
        with _storage_errors():
            for rate in self._rates[limit]:
                await self._strategy.clear(rate, limit, key)


def wait_in_words(seconds: int) -> str:
    """'45 seconds', '15 minutes', '3 hours': how long, for a person."""
    if seconds >= 7200:
        return f"{math.ceil(seconds / 3600)} hours"
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def _refusal(message: str, retry_after: int, limit: str) -> ServiceError:
    text = message.replace("{wait}", wait_in_words(retry_after))
    error = exhausted(text, retry_after=retry_after)
    error.limit = limit
    return error


@contextmanager
def _storage_errors() -> Iterator[None]:
    """A limit store (Redis) that cannot be reached refuses for now (503) rather than let
    guesses in; refusals of our own pass through."""
    try:
        yield
    except ServiceError:
        raise
    except Exception as exc:
        log.warning("rate-limit storage unavailable: %s", exc)
        raise ServiceError(
            Status.UNAVAILABLE,
            "The server cannot check its limits right now; try again shortly.",
            retry_after=5,
        ) from exc
