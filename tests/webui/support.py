"""Helpers shared by the web UI tests."""

import json
import urllib.error
import urllib.request

PASSWORD = "a calm and long passphrase"


def post_json(server, path: str, body: dict) -> tuple[int, dict]:
    """A plain HTTP call from the test itself, outside any browser."""
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
