"""Frames no library would send: binary attachments, malformed packets, reserved events,
a flood of them, and a connection closed with answers still owed. Each is answered (an
`error` event, and for binary or repeated abuse a disconnect), never a traceback."""

import pytest

from tests.realtime.raw import RawPolling, RawSocket, SilentSocket, event

DEEP_ARRAY = "42" + "[" * 100_000 + "]" * 100_000
# frame, the error code, whether the server then closes the connection
BAD_FRAMES = [
    pytest.param('451-["message",{"_placeholder":true,"num":0}]', "INVALID_ARGUMENT", True,
                 id="binary-event"),
    pytest.param('4599999-["message",{"_placeholder":true,"num":0}]', "INVALID_ARGUMENT", True,
                 id="binary-event-many-attachments"),
    pytest.param('461-0[{"_placeholder":true,"num":0}]', "INVALID_ARGUMENT", True,
                 id="binary-ack"),
    pytest.param(b"\x00" * 1024, "INVALID_ARGUMENT", True, id="binary-frame"),
    pytest.param("4x", "INVALID_ARGUMENT", False, id="4x"),
    pytest.param("42[]", "INVALID_ARGUMENT", False, id="42[]"),
    pytest.param("42{}", "INVALID_ARGUMENT", False, id="42{}"),
    pytest.param("42[5]", "INVALID_ARGUMENT", False, id="event-name-not-a-string"),
    pytest.param("42[not json", "INVALID_ARGUMENT", False, id="bad-json"),
    pytest.param("44", "INVALID_ARGUMENT", False, id="44-connect-error"),
    pytest.param("49", "INVALID_ARGUMENT", False, id="49-unknown-type"),
    pytest.param(DEEP_ARRAY[:60_000], "INVALID_ARGUMENT", False, id="deep-array"),
    pytest.param(event("connect", {}), "INVALID_ARGUMENT", False, id="reserved-connect"),
    pytest.param(event("disconnect"), "INVALID_ARGUMENT", False, id="reserved-disconnect"),
    pytest.param(event("chat", {"text": "a"}, {"text": "b"}), "INVALID_ARGUMENT", False,
                 id="two-payloads"),
]


@pytest.mark.parametrize(("frame", "code", "closes"), BAD_FRAMES)
async def test_bad_frames_answer_error(any_server, http, frame, code, closes):
    socket = await RawSocket(http, any_server).open()
    await socket.send(frame)
    assert (await socket.event("error"))["code"] == code
    if closes:
        assert await socket.closed_by_server()
    else:
        await socket.send(event("message", "still here?"))
        assert await socket.event("message") == {"echo": "still here?"}
    await socket.close()


async def test_attachments_are_never_buffered(any_server, http):
    """The announced attachments never arrive at a buffer: the connection is gone."""
    socket = await RawSocket(http, any_server).open()
    await socket.send('451000000-["message",{"_placeholder":true,"num":0}]')
    await socket.event("error")
    try:
        for _ in range(20):
            await socket.send(b"\x01" * 64 * 1024)
    except ConnectionError:
        pass  # the server closed first, as it should
    assert await socket.closed_by_server()
    await socket.close()


async def test_repeated_protocol_errors_disconnect_and_log_one_line(any_server, http):
    start = any_server.log_size()
    for _ in range(10):
        socket = await RawSocket(http, any_server).open()
        for _ in range(3):
            await socket.send("4x")
        assert await socket.closed_by_server()
        await socket.close()
    with open(any_server.log_path) as log:
        log.seek(start)
        grown = log.read()
    # 30 bad frames; the warning is rate-limited (one per 10 s for the process)
    assert grown.count("well-formed") <= 3, grown
    assert len(grown) < 2000, grown


async def test_closing_with_echoes_queued_logs_nothing(start_server, http):
    """A client that goes with answers still owed to it: the frames Tornado could not
    deliver are not 'Task exception was never retrieved' (the fixture checks the log)."""
    server = start_server(LIMIT_ECHO_SOCKET="10000/minute", LIMIT_ECHO_IP="10000/minute")
    silent = await SilentSocket(server).open()
    for n in range(1, 200):
        await silent.send(f"42{n}" + event("message", "y" * 30_000)[2:])
    silent.writer.transport.abort()
    # Once later clients have made their round trips, the closed one has been dealt with
    # (and the lost frames' futures collected: a failed one is reported only then).
    for _ in range(10):
        again = await RawSocket(http, server).open()
        await again.send(event("message", "after"))
        assert await again.event("message") == {"echo": "after"}
        await again.close()
    assert "never retrieved" not in server.log()


# Engine.IO frames it cannot read: the WebSocket is closed, with nothing logged but a line.
BAD_ENGINEIO_FRAMES = [
    pytest.param("x", id="not-a-packet-type"), pytest.param("", id="empty"),
    pytest.param("0", id="open-from-client"), pytest.param("bAAAA", id="base64-binary"),
]


@pytest.mark.parametrize("frame", BAD_ENGINEIO_FRAMES)
async def test_unreadable_websocket_frames_close_it(any_server, http, frame):
    socket = await RawSocket(http, any_server).open()
    await socket.send(frame)
    assert await socket.closed_by_server()
    await socket.close()


BAD_POLLING_BODIES = [
    pytest.param("\x1e".join(["3"] * 17), id="17-packets"), pytest.param("x", id="not-a-packet"),
    pytest.param("0", id="open-from-client"), pytest.param("6", id="noop-from-client"),
    pytest.param("4\x1e\x1e4", id="empty-packet"),
]


@pytest.mark.parametrize("body", BAD_POLLING_BODIES)
async def test_unreadable_polling_bodies_get_400(any_server, http, body):
    polling = RawPolling(http, any_server)
    await polling.handshake()
    assert await polling.post("40") == 200
    assert await polling.post(body) == 400
    assert await polling.post(event("message", "still here?")) == 200
    status, text = await polling.get()
    assert status == 200 and '"echo":"still here?"' in text
