"""What a held socket costs the server, in bytes its Python objects take (tracemalloc):
the benchmark's `rss_kb_per_socket` in a form a test can bound.

The server runs in this process, its clients in another (in_process.py), so what is
traced is the server's.
"""

import gc
import tracemalloc

from tests.realtime.in_process import Crowd, served

CROWD = 300
WARM_UP = 20
# A held socket (unauthenticated, as the crowd's are) was about 38 KiB traced while its
# two queues were asyncio.Queues, and about 31 KiB with LeanQueues (lean_queue.py).
MAX_BYTES_PER_SOCKET = 34 * 1024


async def test_a_held_socket_costs_the_server_under_a_bound(tmp_path):
    async with served(tmp_path) as url:
        warm = await Crowd(url, WARM_UP).open()  # what the first sockets make once
        await warm.end()
        await warm.close()
        gc.collect()
        tracemalloc.start()
        crowd = Crowd(url, CROWD)
        try:
            before = tracemalloc.get_traced_memory()[0]
            await crowd.open()
            gc.collect()
            per_socket = (tracemalloc.get_traced_memory()[0] - before) / CROWD
            await crowd.end()
        finally:
            tracemalloc.stop()
            await crowd.close()
    print(f"{per_socket / 1024:.1f} KiB traced per held socket")
    assert per_socket < MAX_BYTES_PER_SOCKET, f"{per_socket / 1024:.1f} KiB per socket"
