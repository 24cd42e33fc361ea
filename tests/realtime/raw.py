"""A Socket.IO client written frame by frame, to send what no library would send.

Over WebSocket (`RawSocket`) or long-polling (`RawPolling`), speaking Engine.IO 4 by
hand: `4` is an Engine.IO message, `42[...]` a Socket.IO event in it.
"""

import asyncio
import json

import aiohttp

PATH = "/socket.io/?EIO=4"


def event(name: str, *args) -> str:
    return "42" + json.dumps([name, *args])


class RawSocket:
    def __init__(self, http: aiohttp.ClientSession, server) -> None:
        self.http = http
        self.server = server
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def open(self, *, join: bool = True, headers: dict | None = None) -> "RawSocket":
        """The Engine.IO handshake, then (with `join`) the Socket.IO connect to `/`."""
        url = self.server.url + PATH + "&transport=websocket"
        self.ws = await self.http.ws_connect(url, headers=headers or {})
        opened = await self.ws.receive_str(timeout=5)
        assert opened.startswith("0{"), opened
        if join:
            await self.ws.send_str("40")
            await self.event("connected")
        return self

    async def send(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_str(frame)

    async def event(self, name: str, timeout: float = 5.0):
        """The data of the next `name` event, answering pings on the way."""
        async def find():
            while True:
                message = await self.ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"closed while waiting for {name!r}")
                if message.data == "2":
                    await self.ws.send_str("3")
                elif message.data.startswith("42"):
                    sent = json.loads(message.data[2:])
                    if sent[0] == name:
                        return sent[1] if len(sent) > 1 else None
        return await asyncio.wait_for(find(), timeout)

    async def closed_by_server(self, timeout: float = 5.0) -> bool:
        """True once the server ends the connection (an Engine.IO close or the socket)."""
        async def drain():
            while True:
                message = await self.ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT or message.data == "1":
                    return True
        try:
            return await asyncio.wait_for(drain(), timeout)
        except TimeoutError:
            return False

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


class RawPolling:
    """Engine.IO long-polling by hand: the requests a browser (or a script tag) makes."""

    def __init__(self, http: aiohttp.ClientSession, server) -> None:
        self.http = http
        self.server = server
        self.sid: str | None = None

    async def handshake(self, headers: dict | None = None) -> aiohttp.ClientResponse:
        async with self.http.get(self.server.url + PATH + "&transport=polling",
                                 headers=headers or {}) as reply:
            text = await reply.text()
            if reply.status == 200:
                self.sid = json.loads(text[1:])["sid"]
            return reply

    def url(self) -> str:
        return f"{self.server.url}{PATH}&transport=polling&sid={self.sid}"

    async def post(self, payload: str, headers: dict | None = None) -> int:
        async with self.http.post(self.url(), data=payload, headers=headers or {}) as reply:
            await reply.read()
            return reply.status

    async def get(self, headers: dict | None = None) -> tuple[int, str]:
        async with self.http.get(self.url(), headers=headers or {}) as reply:
            return reply.status, await reply.text()


class SilentSocket:
    """A WebSocket client over a bare TCP stream that writes and never reads, as a client
    would that wants the server to buffer for it."""

    def __init__(self, server) -> None:
        self.server = server

    async def open(self) -> "SilentSocket":
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.server.port)
        self.writer.write(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{self.server.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        await self.send("40")
        return self

    async def send(self, text: str) -> None:
        """One masked text frame (a zero mask: the payload goes as it is)."""
        data = text.encode()
        if len(data) < 126:
            header = bytes([0x81, 0x80 | len(data)])
        elif len(data) < 65536:
            header = bytes([0x81, 0x80 | 126]) + len(data).to_bytes(2, "big")
        else:
            header = bytes([0x81, 0x80 | 127]) + len(data).to_bytes(8, "big")
        self.writer.write(header + b"\0\0\0\0" + data)
        await self.writer.drain()

    async def dropped_by_server(self, timeout: float) -> bool:
        """Read at last: True if the server ends the connection within `timeout`."""
        async def until_eof():
            while await self.reader.read(1 << 20):
                pass
        try:
            await asyncio.wait_for(until_eof(), timeout)
        except TimeoutError:
            return False
        except ConnectionError:
            pass
        return True

    def close(self) -> None:
        self.writer.close()
