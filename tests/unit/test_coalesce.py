"""Coalesced checks: callers that overlap share a run, and no caller gets a stale answer."""

import asyncio

import pytest

from authserver.store.coalesce import Coalesced


class Check:
    """A check that records when each run started and can be held open or made to fail."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.failure: Exception | None = None

    async def __call__(self) -> None:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        self.release.clear()  # the next run waits to be released again
        if self.failure is not None:
            raise self.failure


@pytest.fixture
def check() -> Check:
    return Check()


@pytest.fixture
def shared(check: Check) -> Coalesced:
    return Coalesced(check)


async def test_a_burst_of_callers_costs_one_run(check, shared):
    callers = [asyncio.create_task(shared()) for _ in range(50)]
    await check.started.wait()
    check.release.set()
    await asyncio.gather(*callers)
    assert check.runs == 1


async def test_a_caller_arriving_during_a_run_waits_for_a_run_that_starts_after_it(check, shared):
    early = asyncio.create_task(shared())
    await check.started.wait()  # run 1 is under way
    late = [asyncio.create_task(shared()) for _ in range(10)]
    await asyncio.sleep(0)
    check.release.set()
    await early
    await asyncio.sleep(0.01)
    assert check.runs == 2  # run 1 started before they came: they wait for run 2
    assert not any(task.done() for task in late)
    check.release.set()
    await asyncio.gather(*late)
    assert check.runs == 2


async def test_every_caller_of_a_failed_run_gets_the_failure_and_the_next_run_is_fresh(
        check, shared):
    check.failure = ConnectionError("database down")
    callers = [asyncio.create_task(shared()) for _ in range(5)]
    await check.started.wait()
    check.release.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    check.failure = None
    check.release.set()
    await shared()
    assert check.runs == 2


async def test_a_caller_that_gives_up_does_not_cancel_the_others(check, shared):
    impatient = asyncio.create_task(shared())
    patient = asyncio.create_task(shared())
    await check.started.wait()
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    check.release.set()
    await patient
    assert check.runs == 1
