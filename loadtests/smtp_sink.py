"""An SMTP sink for load tests: keeps the last mail of each recipient as a file.

Run as its own process (`python -m loadtests.smtp_sink --port P --maildir DIR`) so a
locust process (patched by gevent) and the benchmark read the codes from plain files.
"""

import argparse
import asyncio
import email
import email.policy
import os
import re
import signal
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from contracts.fields import CODE_PATTERN

# A code stands alone: six digits inside a word (a username, a message id) are not one.
_CODE = re.compile(r"\b" + CODE_PATTERN.strip("^$") + r"\b")


class MaildirHandler:
    """Writes each message to `DIR/<recipient>` atomically (the newest mail wins)."""

    def __init__(self, maildir: Path):
        self.maildir = maildir

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        for recipient in envelope.rcpt_tos:
            partial = self.maildir / f".{recipient}.{os.getpid()}.tmp"
            partial.write_bytes(envelope.content)
            partial.replace(self.maildir / recipient.lower())
        return "250 OK"


def mail_path(maildir: str | Path, address: str) -> Path:
    return Path(maildir) / address.lower()


def code_in(message: bytes) -> str | None:
    """The 6-digit code in a mail's text body, if there is one."""
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    found = _CODE.search(text)
    return found.group(0) if found else None


def wait_for_code(maildir: str | Path, address: str, timeout: float = 15.0,
                  sleep=time.sleep) -> str | None:
    """Poll the maildir until `address` has a mail with a code; None on timeout."""
    path = mail_path(maildir, address)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            code = code_in(path.read_bytes())
        except FileNotFoundError:
            code = None
        if code:
            return code
        sleep(0.05)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()
    args.maildir.mkdir(parents=True, exist_ok=True)
    controller = Controller(MaildirHandler(args.maildir), hostname=args.host, port=args.port)
    controller.start()
    print(f"smtp sink on {args.host}:{args.port} writing to {args.maildir}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
        loop.close()


if __name__ == "__main__":
    main()
