"""A real SMTP server (aiosmtpd) that keeps what it receives, for tests to read codes."""

import asyncio
import re
import threading
import time
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

from tests.support.ports import free_port

CODE_PATTERN = re.compile(r"verification code is: (\d{6})")


class _Collector:
    def __init__(self, mailbox: "Mailbox") -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content)
        self.mailbox.add(envelope.rcpt_tos, message)
        return "250 OK"


class Mailbox:
    """Every mail the sink received, by recipient (lower-cased)."""

    def __init__(self, port: int | None = None) -> None:
        self._lock = threading.Lock()
        self._messages: list[tuple[str, Message]] = []
        self.port = port or free_port()
        self._controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> "Mailbox":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def add(self, recipients: list[str], message: Message) -> None:
        with self._lock:
            for recipient in recipients:
                self._messages.append((recipient.lower(), message))

    def messages_for(self, email: str) -> list[Message]:
        with self._lock:
            return [message for recipient, message in self._messages if recipient == email.lower()]

    def code_for(self, email: str, *, count: int = 1, timeout: float = 10.0) -> str:
        """The code of the `count`-th mail to `email`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages_for(email)
            if len(messages) >= count:
                body = messages[count - 1].get_payload(decode=True).decode()
                return CODE_PATTERN.search(body).group(1)
            time.sleep(0.02)
        raise AssertionError(f"no mail number {count} for {email} within {timeout}s")

    async def acode_for(self, email: str, *, count: int = 1, timeout: float = 10.0) -> str:
        return await asyncio.to_thread(self.code_for, email, count=count, timeout=timeout)
