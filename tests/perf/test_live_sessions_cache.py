"""The cache's own rules, on the object itself: how long it trusts an entry, what an ending
forgets, and that a lookup overtaken by an ending does not put the session back."""

import asyncio
import time
from datetime import timedelta

from authserver.services.sessions.cache import SESSION, USER, LiveSessions
from authserver.store.models import utcnow

LATER = utcnow() + timedelta(hours=1)


def _cache(check_seconds: float = 60.0, max_entries: int = 100) -> LiveSessions:
    return LiveSessions(check_seconds=check_seconds, max_entries=max_entries)


def _store(cache: LiveSessions, token_hash: str, session_id: int, user_id: int = 1,
           expires_at=LATER, generation: int | None = None) -> None:
    cache.store(token_hash, f"value of {token_hash}", session_id=session_id, user_id=user_id,
                expires_at=expires_at,
                generation=cache.generation if generation is None else generation)


def test_an_entry_is_trusted_only_for_its_check_time():
    cache = _cache(check_seconds=0.05)
    _store(cache, "a", 1)
    assert cache.get("a") == "value of a"
    deadline = time.monotonic() + 5
    while cache.get("a") is not None:
        assert time.monotonic() < deadline, "the entry outlived its check time"
    assert cache.get("a") is None


def test_an_expired_session_is_not_answered_from_the_cache():
    cache = _cache()
    _store(cache, "a", 1, expires_at=utcnow() - timedelta(seconds=1))
    assert cache.get("a") is None


def test_ending_a_session_forgets_it_and_only_it():
    cache = _cache()
    _store(cache, "a", 1)
    _store(cache, "b", 2)
    cache.forget(SESSION, 1)
    assert cache.get("a") is None
    assert cache.get("b") == "value of b"


def test_a_changed_account_forgets_every_session_of_it():
    cache = _cache()
    _store(cache, "a", 1, user_id=7)
    _store(cache, "b", 2, user_id=7)
    _store(cache, "c", 3, user_id=8)
    cache.forget(USER, 7)
    assert (cache.get("a"), cache.get("b")) == (None, None)
    assert cache.get("c") == "value of c"


def test_a_lookup_overtaken_by_an_ending_is_not_kept():
    cache = _cache()
    started = cache.generation
    cache.forget(SESSION, 1)  # the session ends while its lookup is in the database
    _store(cache, "a", 1, generation=started)
    assert cache.get("a") is None


def test_a_full_cache_makes_room():
    cache = _cache(max_entries=3)
    for number in range(10):
        _store(cache, f"t{number}", number)
    assert cache.get("t9") == "value of t9"
    assert sum(cache.get(f"t{number}") is not None for number in range(10)) <= 3


def test_with_no_check_time_nothing_is_kept():
    """How the cache runs while the channel to the other workers is down."""
    cache = _cache(check_seconds=0.0)
    _store(cache, "a", 1)
    assert cache.get("a") is None


class Lookups:
    """A database lookup that counts its calls and answers when told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.answer = asyncio.Event()

    async def find(self) -> str:
        self.calls += 1
        number = self.calls
        await self.answer.wait()
        return f"session found by lookup {number}"


async def test_requests_of_one_token_that_miss_together_share_one_lookup():
    cache, lookups = _cache(), Lookups()
    waiting = [asyncio.ensure_future(cache.look_up("a", lookups.find)) for _ in range(32)]
    other = asyncio.ensure_future(cache.look_up("b", lookups.find))  # another token: its own
    await asyncio.sleep(0)
    lookups.answer.set()
    assert await asyncio.gather(*waiting) == ["session found by lookup 1"] * 32
    await other
    assert lookups.calls == 2


async def test_a_request_after_an_ending_does_not_share_a_lookup_begun_before_it():
    cache, lookups = _cache(), Lookups()
    first = asyncio.ensure_future(cache.look_up("a", lookups.find))
    await asyncio.sleep(0)
    cache.forget(SESSION, 1)  # a session ends while the first lookup is under way
    second = asyncio.ensure_future(cache.look_up("a", lookups.find))
    await asyncio.sleep(0)
    lookups.answer.set()
    assert await first == "session found by lookup 1"
    assert await second == "session found by lookup 2"


async def test_a_cache_that_trusts_nothing_shares_nothing():
    cache, lookups = _cache(check_seconds=0.0), Lookups()
    waiting = [asyncio.ensure_future(cache.look_up("a", lookups.find)) for _ in range(3)]
    await asyncio.sleep(0)
    lookups.answer.set()
    await asyncio.gather(*waiting)
    assert lookups.calls == 3


async def test_a_request_that_gives_up_leaves_the_lookup_to_the_others():
    cache, lookups = _cache(), Lookups()
    leaving = asyncio.ensure_future(cache.look_up("a", lookups.find))
    staying = asyncio.ensure_future(cache.look_up("a", lookups.find))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    lookups.answer.set()
    assert await staying == "session found by lookup 1"
    assert lookups.calls == 1
