"""A realistic mix of people using the server, for locust.

    python -m loadtests.mix --users 50 --run-time 2m --out DIR

starts everything (server, SMTP sink, accounts) and runs this file headless with an HTML
report. Against a server you run yourself, with mail going to `python -m
loadtests.smtp_sink --port P --maildir MAILDIR` and accounts from `authserver users create
--count N --prefix P --out ACCOUNTS`:

    locust -f loadtests/locustfile.py --headless --host URL -u 50 -r 10 -t 2m \\
        --html report.html --accounts ACCOUNTS --maildir MAILDIR

Rate limits stop this much traffic from one address: run the server with RATE_LIMITS=off.
"""

import itertools
import threading
import time

import socketio
from locust import HttpUser, between, events, task
from locust.exception import StopUser

from contracts.messages import Health, LoginReply, Notice, SignupReply, User
from loadtests import payloads
from loadtests.smtp_sink import wait_for_code

_accounts: itertools.cycle | None = None


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--accounts", env_var="LOADTEST_ACCOUNTS", default="",
                        help="username,email,password lines of verified accounts")
    parser.add_argument("--maildir", env_var="LOADTEST_MAILDIR", default="",
                        help="folder where the SMTP sink keeps each recipient's last mail")


@events.init.add_listener
def _load_accounts(environment, **_) -> None:
    global _accounts
    path = environment.parsed_options.accounts if environment.parsed_options else ""
    _accounts = itertools.cycle(payloads.read_accounts(path)) if path else None


def _next_account() -> payloads.Account:
    if _accounts is None:
        raise StopUser("members and chatters need --accounts (see the module docstring)")
    return next(_accounts)


def _fire(environment, kind: str, name: str, started: float, error: Exception | None = None):
    """Report something that is not an HTTP request (a mail, a socket round trip) to locust."""
    environment.events.request.fire(
        request_type=kind, name=name, response_time=(time.perf_counter() - started) * 1000,
        response_length=0, exception=error, context={},
    )


class _Api(HttpUser):
    abstract = True

    def post(self, path: str, body: str, reply, *, name: str | None = None, status: int = 200,
             headers: dict | None = None):
        """POST a contracts-built body; the reply parsed with its model, or None on failure."""
        with self.client.post(path, data=body, headers={**payloads.JSON, **(headers or {})},
                              name=name or path, catch_response=True) as response:
            return _checked(response, reply, status)

    def get(self, path: str, reply, *, headers: dict | None = None):
        with self.client.get(path, headers=headers, catch_response=True) as response:
            return _checked(response, reply, 200)

    def login(self, account: payloads.Account) -> str | None:
        reply = self.post(payloads.LOGIN, payloads.login_body(account), LoginReply)
        return reply.token if reply else None


def _checked(response, reply, status: int):
    if response.status_code != status:
        response.failure(f"{response.status_code}: {response.text[:200]}")
        return None
    try:
        return reply.model_validate_json(response.content)
    except ValueError as exc:
        response.failure(f"reply does not match {reply.__name__}: {exc}")
        return None


class Visitor(_Api):
    """Someone who opens the site or its API docs and leaves: health and OpenAPI reads."""

    weight = 4
    wait_time = between(1, 3)

    @task(5)
    def health(self) -> None:
        self.get(payloads.HEALTH, Health)

    @task(1)
    def openapi(self) -> None:
        with self.client.get(payloads.OPENAPI, catch_response=True) as response:
            if response.status_code != 200 or "openapi" not in response.json():
                response.failure(f"no OpenAPI document: {response.status_code}")


class Member(_Api):
    """A person with an account: logs in, looks at their profile a few times, logs out."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.account = _next_account()

    @task
    def visit(self) -> None:
        token = self.login(self.account)
        if token is None:
            return
        for _ in range(3):
            self.get(payloads.ME, User, headers=payloads.bearer(token))
            time.sleep(0.5)
        self.post(payloads.LOGOUT, "{}", Notice, headers=payloads.bearer(token))


class Newcomer(_Api):
    """Someone new: signs up, reads the code from their mail (the SMTP sink), verifies,
    and logs in. The wait for the mail is reported as request type SMTP."""

    weight = 1
    wait_time = between(2, 5)

    @task
    def join(self) -> None:
        maildir = self.environment.parsed_options.maildir
        if not maildir:
            raise StopUser("newcomers need --maildir (see the module docstring)")
        account = payloads.new_account("lt")
        if not self.post(payloads.SIGNUP, payloads.signup_body(account), SignupReply,
                         status=201):
            return
        started = time.perf_counter()
        code = wait_for_code(maildir, account.email, timeout=30)
        _fire(self.environment, "SMTP", "code arrives", started,
              None if code else TimeoutError(f"no code for {account.email} within 30 s"))
        if code and self.post(payloads.VERIFY, payloads.verify_body(account.email, code),
                              Notice):
            self.login(account)


class Chatter(_Api):
    """A signed-in person in the chat room over Socket.IO (python-socketio's client).

    `chat round trip` is the time from sending a chat until the server's broadcast brings
    it back; `message echo` is the same for the echo event. Both show as type socketio.
    """

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.pending: dict[str, tuple[float, str, threading.Event]] = {}
        self.socket = socketio.Client(reconnection=False, handle_sigint=False)
        self.socket.on("chat", lambda data: self._arrived(data.get("text")))
        self.socket.on("message", lambda data: self._arrived(data.get("echo", {}).get("nonce")))
        token = self.login(_next_account())
        if token is None:
            raise StopUser("could not log in")
        started = time.perf_counter()
        try:
            self.socket.connect(self.host, auth={"token": token}, transports=["websocket"],
                                wait_timeout=10)
        except socketio.exceptions.ConnectionError as exc:
            _fire(self.environment, "socketio", "connect", started, exc)
            raise StopUser("no socket") from exc
        _fire(self.environment, "socketio", "connect", started)

    def on_stop(self) -> None:
        self.socket.disconnect()

    @task(3)
    def chat(self) -> None:
        nonce = f"locust {id(self)} {time.time_ns()}"
        self._round_trip("chat round trip", nonce,
                         lambda: self.socket.emit("chat", payloads.chat_payload(nonce)))

    @task(1)
    def echo(self) -> None:
        nonce = f"{id(self)}-{time.time_ns()}"
        self._round_trip("message echo", nonce,
                         lambda: self.socket.emit("message", {"nonce": nonce}))

    def _round_trip(self, name: str, nonce: str, send, timeout: float = 10.0) -> None:
        # threading.Event is gevent's under locust: waiting yields to other users.
        back = threading.Event()
        started = time.perf_counter()
        self.pending[nonce] = (started, name, back)
        send()
        if not back.wait(timeout) and self.pending.pop(nonce, None) is not None:
            _fire(self.environment, "socketio", name, started,
                  TimeoutError(f"{name}: nothing back within {timeout:.0f} s"))

    def _arrived(self, nonce) -> None:
        sent = self.pending.pop(nonce, None) if isinstance(nonce, str) else None
        if sent is not None:
            started, name, back = sent
            _fire(self.environment, "socketio", name, started)
            back.set()
