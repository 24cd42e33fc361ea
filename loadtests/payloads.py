"""Routes and request bodies built from the contracts, shared by locust and the benchmark."""

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from contracts import messages as m
from contracts.events import Chat
from contracts.service import call_named

HEALTH = call_named("health").route
OPENAPI = "/api/openapi.json"
SIGNUP = call_named("signup").route
VERIFY = call_named("verify_email").route
LOGIN = call_named("login").route
ME = call_named("me").route
LOGOUT = call_named("logout").route

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Account:
    """One prepared, verified account: a line of `authserver users create --out FILE`."""

    username: str
    email: str
    password: str


def read_accounts(path: str | Path) -> list[Account]:
    """The accounts in a `username,email,password` file (no header)."""
    with open(path, newline="", encoding="utf-8") as lines:
        return [Account(*row[:3]) for row in csv.reader(lines) if row]


def bearer(token: str) -> dict[str, str]:
    """The header that authenticates a REST call."""
    return {"Authorization": f"Bearer {token}"}


def login_body(account: Account) -> str:
    return m.LoginRequest(username=account.username, password=account.password).model_dump_json()


def new_account(prefix: str = "lt") -> Account:
    """A fresh, valid identity for a sign-up; the mail domain is never resolved."""
    name = f"{prefix}{secrets.token_hex(6)}"
    return Account(username=name, email=f"{name}@example.com", password=secrets.token_urlsafe(12))


def signup_body(account: Account) -> str:
    request = m.SignupRequest(username=account.username, email=account.email,
                              password=account.password)
    return request.model_dump_json()


def verify_body(email: str, code: str) -> str:
    return m.VerifyEmailRequest(email=email, code=code).model_dump_json()


def chat_payload(text: str) -> dict:
    """The `chat` event's payload, checked against its model."""
    return Chat(text=text).model_dump()
