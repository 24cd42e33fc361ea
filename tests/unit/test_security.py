"""Passwords, codes and tokens, without a server."""

import asyncio
import os

import bcrypt
import pytest

from authserver.errors import ServiceError
from authserver.security.codes import code_digest, code_matches, new_code
from authserver.security.passwords import HASHING_NICENESS, PasswordHasher
from authserver.security.ratelimit.limiter import RateLimiter
from authserver.security.tokens import new_token, token_digest
from authserver.services.context import Caller, Context
from authserver.services.sessions.login import check_credentials
from authserver.settings import load_settings
from authserver.store.database import Store
from authserver.store.migrations import migrate
from contracts import Status


def store_url(folder) -> str:
    return f"sqlite:///{folder / 'auth.db'}"


@pytest.fixture
def hasher():
    hasher = PasswordHasher(rounds=4, threads=2)
    yield hasher
    hasher.close()


async def test_passwords_past_72_bytes_still_count(hasher):
    long = "é" * 50 + "end"  # 103 bytes
    stored = await hasher.hash(long)
    assert await hasher.check(long, stored)
    assert not await hasher.check("é" * 50 + "END", stored)


async def test_nul_bytes_are_hashed_not_refused(hasher):
    stored = await hasher.hash("with\x00nul inside")
    assert await hasher.check("with\x00nul inside", stored)
    assert not await hasher.check("with", stored)


@pytest.fixture
def checks(monkeypatch) -> list[bytes]:
    """The stored hash of every bcrypt check made (bcrypt itself still does the work)."""
    made: list[bytes] = []
    real = bcrypt.checkpw

    def counted(password: bytes, hashed: bytes) -> bool:
        made.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counted)
    return made


async def test_unknown_user_costs_one_full_check_and_fails(checks):
    hasher = PasswordHasher(rounds=5, threads=1)  # not bcrypt's default cost (12)
    try:
        known = await hasher.hash("a good long password")
        assert await hasher.check("a wrong password", known) is False
        assert await hasher.check("a good long password", None) is False
    finally:
        hasher.close()
    wrong_password, unknown_user = checks
    assert unknown_user[:7] == wrong_password[:7] == b"$2b$05$"  # the same cost
    assert len(unknown_user) == len(wrong_password) == 60  # a whole hash, salt and all


async def test_login_with_an_unknown_name_costs_one_check(checks, tmp_path):
    store = Store(store_url(tmp_path))
    passwords = PasswordHasher(rounds=5, threads=1)
    ctx = Context(settings=load_settings({"DATABASE_URL": store_url(tmp_path)}), store=store,
                  passwords=passwords, limiter=RateLimiter(redis_url=None))
    try:
        await store.run(migrate, store.is_postgresql)
        with pytest.raises(ServiceError) as refused:
            await check_credentials(ctx, "nobody-at-all", "a good long password",
                                    Caller(ip="192.0.2.1"))
    finally:
        passwords.close()
        await store.close()
    assert refused.value.status is Status.UNAUTHENTICATED
    [unknown_user] = checks
    assert unknown_user[:7] == b"$2b$05$"


async def test_hashing_leaves_the_loop_free(hasher):
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    slow = PasswordHasher(rounds=10, threads=1)
    await slow.hash("a good long password")
    slow.close()
    ticker.cancel()
    assert ticks > 10


def test_codes_are_six_digits_and_stored_keyed():
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 150
    digest = code_digest("k" * 32, "ada@example.com", "123456")
    assert "123456" not in digest
    assert code_matches("k" * 32, "ada@example.com", "123456", digest)
    assert not code_matches("k" * 32, "bob@example.com", "123456", digest)
    assert not code_matches("other-key" * 4, "ada@example.com", "123456", digest)


def test_tokens_have_256_bits_and_hash_to_sha256():
    token = new_token()
    assert len(token) >= 43
    assert len(token_digest(token)) == 64 and token not in token_digest(token)


async def test_hashing_threads_yield_the_cpu_to_the_event_loop(hasher, monkeypatch):
    """Each hash runs in a thread at HASHING_NICENESS while the loop's stays at 0.

    The nice value is read by the hashing call itself: counting the process's niced
    threads also counted pools of earlier tests that had not exited yet.
    """
    niceness: list[int] = []
    real = bcrypt.hashpw

    def noted(password: bytes, salt: bytes) -> bytes:
        niceness.append(os.getpriority(os.PRIO_PROCESS, 0))  # on Linux: this thread's
        return real(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", noted)
    await asyncio.gather(hasher.hash("one password"), hasher.hash("another one"))
    assert os.getpriority(os.PRIO_PROCESS, 0) == 0  # the loop's thread
    assert niceness == [HASHING_NICENESS] * 2
