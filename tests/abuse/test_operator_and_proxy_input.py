"""Input the operator's tools and the log trust (issue 28): X-Request-Id is kept only from
a trusted proxy, and every text the operator's commands print passes one escaper."""

import re

from authserver.operator.output import escaped
from tests.support.api import call


async def test_a_client_cannot_plant_its_request_id(http, server, start_server):
    planted = await call(http, server, "health", headers={"X-Request-Id": "forged-id-12345"})
    assert re.fullmatch(r"[0-9a-f]{32}", planted.headers["X-Request-Id"])
    proxied = start_server(TRUSTED_PROXIES="127.0.0.1")
    kept = await call(http, proxied, "health", headers={"X-Request-Id": "nginx-id-12345"})
    assert kept.headers["X-Request-Id"] == "nginx-id-12345"


def test_the_operators_escaper_shows_what_would_act_on_the_terminal():
    assert escaped("ada\x1b[2J\r\nroot\u202eevil\u200b") == (
        "ada\\x1b[2J\\r\\nroot\\u202eevil\\u200b")
    assert escaped("Zoë 名前") == "Zoë 名前"
