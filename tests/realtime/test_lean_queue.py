"""LeanQueue behaves as an unbounded asyncio.Queue for what Engine.IO and the Tornado
driver call, and costs little while it is empty (realtime/lean_queue.py)."""

import asyncio
import tracemalloc

import pytest

from authserver.realtime.lean_queue import LeanQueue

QUEUES = 1_000


async def test_items_come_out_in_the_order_they_went_in():
    queue = LeanQueue()
    for item in ("a", "b", None):
        await queue.put(item)
    assert queue.qsize() == 3
    assert [queue.get_nowait(), await queue.get(), await queue.get()] == ["a", "b", None]
    assert queue.empty()
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_a_getter_waits_for_the_next_item():
    queue = LeanQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait("x")
    assert await getter == "x"


async def test_a_getter_that_times_out_loses_no_item():
    """Engine.IO waits for its packets with asyncio.wait_for, which cancels the get."""
    queue = LeanQueue()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), 0.01)
    queue.put_nowait("kept")
    assert await asyncio.wait_for(queue.get(), 1) == "kept"


async def test_an_item_for_a_cancelled_getter_goes_to_the_next():
    queue = LeanQueue()
    first = asyncio.ensure_future(queue.get())
    second = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("x")  # wakes the first getter...
    first.cancel()  # ...which is cancelled before it takes the item
    assert await asyncio.wait_for(second, 1) == "x"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_join_waits_until_every_item_is_done():
    queue = LeanQueue()
    await queue.join()  # nothing unfinished: at once
    queue.put_nowait("a")
    queue.put_nowait("b")
    joined = asyncio.ensure_future(queue.join())
    queue.get_nowait()
    queue.task_done()
    await asyncio.sleep(0)
    assert not joined.done()
    queue.get_nowait()
    queue.task_done()
    await asyncio.wait_for(joined, 1)
    with pytest.raises(ValueError):
        queue.task_done()


def test_an_empty_queue_is_small():
    """An asyncio.Queue is about 3.3 KB, mostly its four deques: a socket holds two."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        queues = [LeanQueue() for _ in range(QUEUES)]
        size = (tracemalloc.get_traced_memory()[0] - before) / len(queues)
    finally:
        tracemalloc.stop()
    assert size < 200, f"an empty LeanQueue takes {size:.0f} bytes"
