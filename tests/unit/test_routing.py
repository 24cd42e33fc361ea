"""Plain-text routes are looked up in a dict (web/routing.py), and give the very handler
Tornado's ordered rules would."""

from unittest import mock

from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
from tornado.web import RequestHandler

from authserver.web import routing


class Earlier(RequestHandler):
    pass


class Plain(RequestHandler):
    pass


class Dotted(RequestHandler):
    pass


ROUTES = [
    (r"/app/(settings|about)", Earlier),
    ("/app/settings", Plain, {"which": "shadowed"}),  # the rule above takes this path
    ("/api/me", Plain, {"which": "me"}),
    ("/api/openapi.json", Dotted),  # "." is a pattern character: left to its rule
]


def _handler_of(app, path: str):
    request = HTTPServerRequest(connection=mock.Mock(),
                                start_line=RequestStartLine("GET", path, "HTTP/1.1"),
                                headers=HTTPHeaders({"Host": "auth.example"}))
    delegate = app.find_handler(request)
    return delegate.handler_class, delegate.handler_kwargs


def test_only_plain_paths_no_earlier_rule_takes_are_in_the_table():
    assert routing.plain_table(ROUTES) == {"/api/me": (Plain, {"which": "me"})}


def test_every_path_gets_the_handler_the_rules_give():
    app = routing.application(ROUTES)
    assert _handler_of(app, "/api/me") == (Plain, {"which": "me"})
    assert _handler_of(app, "/app/settings") == (Earlier, {})
    assert _handler_of(app, "/api/openapi.json") == (Dotted, {})
    assert _handler_of(app, "/api/me/")[0] is not Plain  # not the same path
