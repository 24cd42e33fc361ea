"""A crowd of raw WebSocket clients in a process of its own, so that the garbage it makes
is not counted with the server's: `python -m tests.realtime.socket_crowd URL COUNT MODE`.

It opens COUNT Engine.IO connections (and joins `/` on each), prints `open`, waits for a
line on standard input, then ends them all the MODE way: `close` (a WebSocket close
frame) or `drop` (the TCP connections cut, as when a client's network fails). It prints
`done` and waits for standard input to close.
"""

import asyncio
import socket
import struct
import sys

import aiohttp

PATH = "/socket.io/?EIO=4&transport=websocket"


async def crowd(url: str, count: int, mode: str) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        gate = asyncio.Semaphore(50)

        async def one() -> aiohttp.ClientWebSocketResponse:
            async with gate:
                ws = await http.ws_connect(url + PATH, autoping=True)
                assert (await ws.receive_str(timeout=60)).startswith("0{")
                await ws.send_str("40")
                while not (await ws.receive_str(timeout=60)).startswith("42"):
                    pass  # the namespace's connect ack, then the `connected` event
                return ws

        sockets = await asyncio.gather(*(one() for _ in range(count)))
        print("open", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if mode == "drop":
            for ws in sockets:
                raw = ws._response.connection.transport.get_extra_info("socket")
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                ws._response.connection.transport.abort()
        else:
            await asyncio.gather(*(ws.close() for ws in sockets))
        print("done", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(crowd(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
