"""bcrypt password hashing, always off the event loop.

bcrypt reads at most 72 bytes and bcrypt 5 refuses longer input (and NUL bytes). So
every password is first reduced to base64(SHA-256(password)): 44 printable bytes that
depend on every byte typed. Nothing is truncated and no length is refused.

Hashing runs in a thread pool as wide as the machine's cores: bcrypt releases the GIL,
so that many logins proceed at once while the loop keeps serving other requests. Its
threads run at a lower scheduling priority than the event loop's, so when every core is
hashing, the loop still gets a core the moment it has work: hashing takes the time the
loop leaves, never the other way round.
"""

import asyncio
import base64
import contextlib
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import bcrypt

from authserver.observability.metrics import HashTimer, hash_queued
from authserver.security import legacy_hashes

HASHING_NICENESS = 10


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def _yield_to_the_loop() -> None:
    """Lower the calling thread's priority (on Linux a thread has a nice value of its own)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def _check(password: str, password_hash: str) -> bool:
    if legacy_hashes.is_legacy(password_hash):  # imported from the original app
        return legacy_hashes.matches(password, password_hash)
    return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))


def _timed(timer: HashTimer, function, *args):
    timer.started()
    return function(*args)


class PasswordHasher:
    """Hashes and checks passwords at the configured cost in a dedicated thread pool."""

    def __init__(self, rounds: int, threads: int | None = None) -> None:
        self.rounds = rounds
        self._pool = ThreadPoolExecutor(
            max_workers=threads or os.cpu_count() or 1, thread_name_prefix="bcrypt",
            initializer=_yield_to_the_loop,
        )
        # A real hash at the same cost, checked when the user does not exist, so an
        # unknown username costs as much time as a wrong password.
        self._dummy_hash = _hash("not a password of anyone's", rounds)

    async def _in_pool(self, function, *args):
        with hash_queued() as timer:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, _timed, timer, function, *args
            )

    async def hash(self, password: str) -> str:
        return await self._in_pool(_hash, password, self.rounds)

    def needs_rehash(self, password_hash: str) -> bool:
        """Was this bcrypt hash made at another cost than the configured one?"""
        parts = password_hash.split("$")  # $2b$12$<salt and hash>
        return len(parts) < 4 or parts[2] != f"{self.rounds:02d}"

    async def check(self, password: str, password_hash: str | None) -> bool:
        """True when `password` matches; with no hash, spend the same time and say no.
        A legacy (Werkzeug) hash is checked too, in the same pool."""
        matched = await self._in_pool(_check, password, password_hash or self._dummy_hash)
        return matched and password_hash is not None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
