"""Routes whose path is plain text are found by one dict lookup.

Tornado tries its rules in order, one regular expression each, so a call near the end
of the list (the API's calls come after the socket, web UI and OpenID Provider routes)
paid for every pattern before it on every request. The lookup gives exactly the handler
the rules would: a plain path is only looked up if no rule before its own would take it
(checked once, when the application is made); anything else goes through the rules as
before, which all stay in place.
"""

import re
from collections.abc import Sequence

from tornado.httputil import HTTPServerRequest
from tornado.routing import AnyMatches, PathMatches, Router, Rule
from tornado.web import Application, RequestHandler

# A pattern without these characters matches one path only: itself. ("." matches any
# character, so a path with a dot is left to its rule.)
_PATTERN_SYNTAX = re.compile(r"[\\^$.|?*+()\[\]{}]")

Target = tuple[type[RequestHandler], dict]


class PlainPaths(Router):
    """Path -> handler and its arguments, for plain-text routes."""

    def __init__(self, application: Application, table: dict[str, Target]) -> None:
        self.application = application
        self.table = table

    def find_handler(self, request: HTTPServerRequest, **kwargs):
        found = self.table.get(request.path)
        if found is None:
            return None  # the rules decide
        handler_class, handler_kwargs = found
        return self.application.get_handler_delegate(request, handler_class,
                                                      target_kwargs=handler_kwargs)


def plain_table(routes: Sequence) -> dict[str, Target]:
    """The plain-text routes of `routes` that no earlier route would take first."""
    table: dict[str, Target] = {}
    earlier: list[re.Pattern] = []
    for route in routes:
        if not (isinstance(route, tuple) and isinstance(route[0], str) and len(route) in (2, 3)):
            break  # a rule of another kind: what it matches is not known here
        pattern, handler_class, *handler_kwargs = route
        if not _PATTERN_SYNTAX.search(pattern) and not any(
                rule.match(pattern) for rule in earlier):
            table[pattern] = (handler_class, handler_kwargs[0] if handler_kwargs else {})
        earlier.append(PathMatches(pattern).regex)
    return table


def application(routes: Sequence, **settings) -> Application:
    """Tornado's Application of `routes`, with the plain-text ones looked up first."""
    app = Application(list(routes), **settings)
    rules = app.wildcard_router.rules
    rules.insert(0, app.wildcard_router.process_rule(
        Rule(AnyMatches(), PlainPaths(app, plain_table(routes)))))
    return app
