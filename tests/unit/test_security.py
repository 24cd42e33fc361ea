"""Passwords, codes and tokens, without a server."""

import asyncio
import os
import threading

import pytest

from authserver.security.codes import code_digest, code_matches, new_code
from authserver.security.passwords import HASHING_NICENESS, PasswordHasher
from authserver.security.tokens import new_token, token_digest


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


async def test_unknown_user_costs_a_check_and_fails(hasher):
    assert await hasher.check("anything", None) is False


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


def _niceness_of_threads() -> dict[int, int]:
    """Each thread of this process and its nice value (field 19 of /proc's stat)."""
    values = {}
    for task in os.scandir("/proc/self/task"):
        with open(os.path.join(task.path, "stat")) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        values[int(task.name)] = int(fields[16])
    return values


async def test_hashing_threads_yield_the_cpu_to_the_event_loop(hasher):
    await asyncio.gather(hasher.hash("one password"), hasher.hash("another one"))
    niceness = _niceness_of_threads()
    assert niceness[threading.get_native_id()] == 0  # the loop's thread
    assert sorted(niceness.values()).count(HASHING_NICENESS) == 2  # the pool's two threads
