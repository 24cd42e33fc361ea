"""`GET /metrics`: Prometheus text, for addresses in METRICS_ALLOW (loopback by default)
or for a scraper presenting METRICS_TOKEN as a bearer token.

With several workers each scrape sums every worker's values (multi-process mode), since
the scrape lands on whichever worker accepts it.
"""

import asyncio
import hmac
import ipaddress

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from tornado.web import HTTPError

from authserver.errors import ServiceError
from authserver.observability import metrics
from authserver.observability.multiprocess import in_use
from authserver.services.context import Context
from authserver.services.upkeep.mail_backlog import backlog
from authserver.web.base import JsonHandler
from authserver.web.client import bearer_token, client_ip


def _scrape() -> bytes:
    """Blocking (multi-process mode reads every worker's files): run in an executor."""
    if not in_use():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


class MetricsHandler(JsonHandler):
    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.allowed = [ipaddress.ip_network(item, strict=False) for item in settings.metrics_allow]

    def allowed_methods(self) -> tuple[str, ...]:
        return ("GET",)

    def _permitted(self) -> bool:
        token = self.ctx.settings.metrics_token
        offered = bearer_token(self.request)
        if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
            return True
        try:
            address = ipaddress.ip_address(client_ip(self.request,
                                                     self.ctx.settings.trusted_proxies))
        except ValueError:
            return False
        return any(address in network for network in self.allowed)

    async def get(self) -> None:
        if not self._permitted():
            raise HTTPError(403, "Metrics are served to METRICS_ALLOW addresses or with "
                            "METRICS_TOKEN only.")
        try:
            waiting, age = await backlog(self.ctx)
        except ServiceError:
            pass  # the database is down: the scrape still shows everything else
        else:
            metrics.OUTBOX_WAITING.set(waiting)
            metrics.OUTBOX_AGE.set(age)
        body = await asyncio.get_running_loop().run_in_executor(None, _scrape)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(body)


def routes(ctx: Context) -> list[tuple]:
    return [(r"/metrics", MetricsHandler, {"ctx": ctx})]
