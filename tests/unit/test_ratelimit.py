"""The rate limiter's windows, on a clock the test moves: no test sleeps through one.

The server tests (tests/abuse/test_limits.py) show each limit is wired to its call and
answered as a 429; these show when a refusal lifts.
"""

import pytest

from authserver.errors import ServiceError
from authserver.security.ratelimit.limiter import RateLimiter, wait_in_words
from authserver.security.ratelimit.memory_store import SWEEP_SECONDS
from contracts import Status


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def limiter(clock: Clock, **limits: str) -> RateLimiter:
    return RateLimiter(redis_url=None, overrides=limits, clock=clock)


async def refusal(limiter: RateLimiter, limit: str, key: str) -> int:
    """Hit `limit` once more, expecting a refusal; its wait in seconds."""
    with pytest.raises(ServiceError) as refused:
        await limiter.hit(limit, key, "wait {wait}")
    assert refused.value.status is Status.RESOURCE_EXHAUSTED
    assert refused.value.message == f"wait {wait_in_words(refused.value.retry_after)}"
    assert refused.value.limit == limit
    return refused.value.retry_after


async def test_a_refusal_lifts_when_its_window_has_passed(clock):
    limits = limiter(clock, login_ip="2/10second")
    await limits.hit("login_ip", "a", "")
    clock.advance(4)
    await limits.hit("login_ip", "a", "")
    assert await refusal(limits, "login_ip", "a") == 6  # until the first hit leaves
    clock.advance(5.9)
    assert await refusal(limits, "login_ip", "a") == 1
    clock.advance(0.2)
    await limits.hit("login_ip", "a", "")  # the first hit has left the window
    assert await refusal(limits, "login_ip", "a") == 4
    await limits.hit("login_ip", "another key", "")


async def test_waits_grow_with_the_longer_rates(clock):
    limits = limiter(clock, login_account_ip="2/2second;4/8second")
    for _ in range(2):
        await limits.count("login_account_ip", "pair")
    first = await refusal(limits, "login_account_ip", "pair")
    assert first == 2
    clock.advance(first)
    for _ in range(2):
        await limits.count("login_account_ip", "pair")
    second = await refusal(limits, "login_account_ip", "pair")
    assert second == 6 > first  # the 8-second rate holds now
    clock.advance(second)
    await limits.hit("login_account_ip", "pair", "")


async def test_a_refused_hit_is_not_counted_by_any_rate(clock):
    # The hourly rate comes first: were refusals counted by the rates that still had
    # room, three refusals would spend it.
    limits = limiter(clock, signup_ip="5/hour;2/minute")
    for _ in range(2):
        await limits.hit("signup_ip", "a", "")
    for _ in range(3):
        clock.advance(1)
        await refusal(limits, "signup_ip", "a")
    clock.advance(60)
    for _ in range(2):
        await limits.hit("signup_ip", "a", "")


async def test_check_counts_nothing_and_clear_forgets(clock):
    limits = limiter(clock, login_account_ip="2/minute")
    for _ in range(10):
        await limits.check("login_account_ip", "pair", "")
    await limits.count("login_account_ip", "pair")
    await limits.count("login_account_ip", "pair")
    with pytest.raises(ServiceError):
        await limits.check("login_account_ip", "pair", "")
    await limits.clear("login_account_ip", "pair")
    await limits.check("login_account_ip", "pair", "")


async def test_first_in_a_window(clock):
    limits = limiter(clock)
    assert await limits.first_in("1/minute", "k")
    assert not await limits.first_in("1/minute", "k")
    clock.advance(60.1)
    assert await limits.first_in("1/minute", "k")


async def test_keys_whose_windows_passed_are_swept(clock):
    limits = limiter(clock, resend_address="1/second")
    storage = limits._strategy.storage
    for n in range(100):
        await limits.hit("resend_address", f"someone{n}@example.com", "")
        await limits.check("resend_address", f"nobody{n}@example.com", "")
    clock.advance(SWEEP_SECONDS)
    await limits.hit("resend_address", "last@example.com", "")
    assert len(storage._hits) == 1


async def test_limits_off_refuse_nothing(clock):
    limits = RateLimiter(redis_url=None, enabled=False, overrides={"login_ip": "1/day"},
                         clock=clock)
    for _ in range(3):
        await limits.hit("login_ip", "a", "")
