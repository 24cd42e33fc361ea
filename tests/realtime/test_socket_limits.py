"""What one client may cost the server: echoes are limited per socket and per address,
and a client that leaves its messages unread is dropped rather than buffered for."""

from tests.realtime.raw import RawPolling, RawSocket, SilentSocket, event


async def test_echo_is_limited_per_socket_and_per_address(start_server, http):
    server = start_server(LIMIT_ECHO_SOCKET="3/minute", LIMIT_ECHO_IP="5/minute")
    first = await RawSocket(http, server).open()
    for n in range(3):
        await first.send(event("message", n))
        assert await first.event("message") == {"echo": n}
    await first.send(event("message", "one too many"))
    refusal = await first.event("error")
    assert refusal["code"] == "RESOURCE_EXHAUSTED" and refusal["retry_after"] > 0
    second = await RawSocket(http, server).open()  # same address, fresh socket
    for n in range(2):
        await second.send(event("message", n))
        assert await second.event("message") == {"echo": n}
    await second.send(event("message", "over the address's five"))
    assert (await second.event("error"))["code"] == "RESOURCE_EXHAUSTED"
    async with http.get(server.url + "/api/health") as health:
        assert health.status == 200
    await first.close()
    await second.close()


async def test_a_polling_client_that_never_polls_is_dropped(any_server, http):
    polling = RawPolling(http, any_server)
    await polling.handshake()
    assert await polling.post("40") == 200
    statuses = set()
    for _ in range(20):  # 320 echoes (or refusals), none fetched
        body = "\x1e".join(event("message", "x" * 100) for _ in range(16))
        statuses.add(await polling.post(body))
    assert statuses <= {200, 400}
    status, text = await polling.get()
    assert status == 400, text  # the server gave up on this client


async def test_a_websocket_client_that_never_reads_is_dropped(start_server, http):
    server = start_server(LIMIT_ECHO_SOCKET="100000/minute", LIMIT_ECHO_IP="100000/minute")
    silent = await SilentSocket(server).open()
    big = event("message", "x" * 60_000)
    try:
        for _ in range(300):  # 18 MB of echoes owed to a client that reads none
            await silent.send(big)
    except ConnectionError:
        pass  # dropped before all were sent
    assert await silent.dropped_by_server(timeout=20)
    silent.close()
    async with http.get(server.url + "/api/health") as health:
        assert health.status == 200
