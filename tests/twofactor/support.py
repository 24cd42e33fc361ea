"""What the second-factor tests share: an authenticator computing TOTP codes from the
secret the server gave (as a phone app would), and an account with TOTP on."""

import asyncio
import time
from dataclasses import dataclass, field

import pyotp

from tests.support.api import Account, call, verified_account

STEP = 30
MARGIN = 5  # seconds before a step ends when its last step's code is no longer given


class Authenticator:
    """A phone app holding one secret. Each code it gives is of a later time step than
    the last, since the server takes a code only once: the last step's, now's or the
    next step's (the server's window), and past that it waits for the clock. The last
    step's code is given only well before the step ends, so that the server still takes
    it when the clock turns meanwhile."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step: int | None = None

    def _next_step(self) -> int:
        now = time.time()
        step = int(now // STEP) - 1
        if now % STEP > STEP - MARGIN:
            step += 1
        if self.last_step is not None:
            step = max(step, self.last_step + 1)
        return step

    def _ready(self, step: int) -> bool:
        return step <= int(time.time() // STEP) + 1

    async def code(self) -> str:
        step = self._next_step()
        while not self._ready(step):
            await asyncio.sleep(0.2)  # the next time step has not begun
        self.last_step = step
        return self.totp.generate_otp(step)

    def code_now(self) -> str:
        """`code()` for synchronous tests (the browser's)."""
        step = self._next_step()
        while not self._ready(step):
            time.sleep(0.2)
        self.last_step = step
        return self.totp.generate_otp(step)

    def wrong_code(self) -> str:
        """Six digits that are no code of the last, this or the next step."""
        now = int(time.time() // STEP)
        taken = {self.totp.generate_otp(step) for step in range(now - 2, now + 3)}
        return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in taken)


@dataclass
class Enrolled:
    account: Account
    app: Authenticator
    recovery_codes: list[str] = field(default_factory=list)


async def enrolled_account(http, server, unique) -> Enrolled:
    """A verified, signed-in account with TOTP on."""
    account = await verified_account(http, server, unique)
    started = await call(http, server, "totp_enrol", {"current_password": account.password},
                         token=account.token)
    assert started.status == 200, started.body
    app = Authenticator(started.body["secret"])
    confirmed = await call(http, server, "totp_confirm",
                           {"current_password": account.password, "code": await app.code()},
                           token=account.token)
    assert confirmed.status == 200, confirmed.body
    return Enrolled(account, app, confirmed.body["recovery_codes"])


async def first_step(http, server, account: Account) -> str:
    """Log in with the password; the challenge the server answers with."""
    reply = await call(http, server, "login",
                       {"username": account.username, "password": account.password})
    assert reply.status == 401, reply.body
    return reply.body["second_factor"]["challenge"]
