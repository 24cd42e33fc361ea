"""The server's Prometheus metrics, declared once; the parts that move them call the
small functions below rather than touch prometheus_client themselves."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "authserver_requests_total", "HTTP requests answered, by call and status",
    ["call", "status"],
)
LATENCY = Histogram(
    "authserver_request_duration_seconds", "Time to answer an HTTP request, by call", ["call"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LOGINS = Counter("authserver_logins_total", "Login attempts (REST and socket) by outcome",
                 ["outcome"])
SIGNUPS = Counter("authserver_signups_total", "Accounts created", ["channel"])
THROTTLED = Counter("authserver_throttled_total", "Requests refused by a rate limit",
                    ["limit"])
MAIL = Counter("authserver_mail_total", "Mail queued, sent, retried or given up",
               ["outcome"])
OUTBOX_WAITING = Gauge("authserver_outbox_waiting", "Mails not sent yet (at the last scrape)",
                       multiprocess_mode="max")
OUTBOX_AGE = Gauge("authserver_outbox_oldest_age_seconds",
                   "Age of the oldest mail not sent yet (at the last scrape)",
                   multiprocess_mode="max")
SOCKETS = Gauge("authserver_sockets_open", "Socket.IO connections open",
                multiprocess_mode="livesum")
HASH_QUEUE = Gauge("authserver_hash_queue_length", "Password hashes waiting for a thread",
                   multiprocess_mode="livesum")
HASH_WAIT = Histogram(
    "authserver_hash_wait_seconds", "Time a password hash waited for a thread",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GC_PAUSE = Histogram(
    "authserver_gc_pause_seconds", "Time the cyclic garbage collector stopped the loop, "
    "by generation", ["generation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
STORE_RUNS = Counter("authserver_store_runs_total",
                     "Units of database work run (`Store.run`), by the function run: what "
                     "the server asks of the database, idle or not", ["work"])
DATABASE_ERRORS = Counter("authserver_database_errors_total",
                          "Database calls that failed as unavailable")
OAUTH_TOKENS = Counter("authserver_oauth_tokens_issued_total",
                       "Tokens given to apps (OpenID Provider), by grant type", ["grant_type"])
OAUTH_REFUSALS = Counter("authserver_oauth_refusals_total",
                         "OAuth requests refused, by reason (the RFC error code)", ["reason"])
PROVIDER_SIGN_INS = Counter(
    "authserver_provider_sign_ins_total",
    "Sign-ins with outside providers, by provider and outcome (login, signup, linked, "
    "second_factor, unlinked, refused)", ["provider", "outcome"])

_LOGIN_OUTCOMES = {
    "wrong password": "wrong_password",
    "unknown name": "unknown_name",
    "email not verified": "not_verified",
}


def audit_event(event: str, detail: str, channel: str) -> None:
    """Count what the audit log records: logins by outcome, sign-ups by channel."""
    if event == "login_success":
        LOGINS.labels("success").inc()
    elif event == "login_failure":
        LOGINS.labels(_LOGIN_OUTCOMES.get(detail, "other")).inc()
    elif event == "signup":
        SIGNUPS.labels(channel.split(" ", 1)[0]).inc()


def oauth_issued(grant_type: str) -> None:
    OAUTH_TOKENS.labels(grant_type).inc()


def oauth_refused(reason: str) -> None:
    OAUTH_REFUSALS.labels(reason).inc()


def request_answered(call: str, status: int, seconds: float) -> None:
    counted = _request_series.get((call, status))
    if counted is None:
        counted = _request_series[(call, status)] = (REQUESTS.labels(call, str(status)),
                                                      LATENCY.labels(call))
    requests, latency = counted
    requests.inc()
    latency.observe(seconds)


# (call, status) -> its two series: `labels()` takes a lock and builds a key on every
# call, a sixtieth of a request's time. The pairs are few: calls times statuses.
_request_series: dict[tuple[str, int], tuple[Counter, Histogram]] = {}


@contextmanager
def hash_queued() -> Iterator["HashTimer"]:
    """Around a hash submitted to the pool: the queue grows until a thread starts it."""
    timer = HashTimer()
    HASH_QUEUE.inc()
    try:
        yield timer
    finally:
        timer.started()


class HashTimer:
    def __init__(self) -> None:
        self._queued_at: float | None = time.monotonic()
        self._lock = threading.Lock()

    def started(self) -> None:
        """Called (from the hashing thread) when the hash begins; only the first counts."""
        with self._lock:
            queued_at, self._queued_at = self._queued_at, None
        if queued_at is not None:
            HASH_QUEUE.dec()
            HASH_WAIT.observe(time.monotonic() - queued_at)
