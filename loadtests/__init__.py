"""Load tests (locust scenarios) and the benchmark command (`python -m loadtests.bench`).

Talks to the server over HTTP and Socket.IO only; payloads and routes come from
`contracts`, never from `authserver`.
"""
