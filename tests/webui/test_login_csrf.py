"""Login CSRF, in a real browser: another site's page posts a text/plain form that
spells the attacker's credentials as JSON. Before, the server read it as a login and
the visitor's browser kept the attacker's session cookie (the visitor then chatted as
the attacker); now the body is refused as not JSON and no cookie is set."""

import html
import json

from tests.webui.support import post_json

EVIL = "http://evil.example"


def _attacker(server, unique) -> tuple[str, str]:
    username, email = unique("mallory")
    # The '=' is where a text/plain form joins its field's name and value.
    password = "mallory=a long secret"
    status, body = post_json(server, "/api/signup",
                             {"username": username, "email": email, "password": password})
    assert status == 201, body
    status, body = post_json(server, "/api/verify-email",
                             {"email": email, "code": server.code_for(email)})
    assert status == 200, body
    return username, password


def _form_page(server, username: str, password: str) -> str:
    name, value = json.dumps({"username": username, "password": password}).split("=", 1)
    return (
        f'<form method="POST" action="{server.url}/api/login" enctype="text/plain">'
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        "</form><script>document.forms[0].submit()</script>"
    )


def test_a_cross_site_text_form_does_not_log_the_visitor_in(open_page, web_server, unique):
    username, password = _attacker(web_server, unique)
    page = open_page("desktop")
    page.context.route(f"{EVIL}/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=_form_page(web_server, username, password)))
    with page.expect_response(f"{web_server.url}/api/login") as posted:
        page.goto(f"{EVIL}/")
    page.watch.allow_origin(EVIL)
    assert posted.value.status == 415
    assert not [c for c in page.context.cookies() if c["name"] == "authserver_session"]
    assert page.request.get(f"{web_server.url}/api/me").status == 401
