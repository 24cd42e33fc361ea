"""The REPL driven through prompt_toolkit's pipe input, against the real server."""

import asyncio
import contextlib
import io
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from cli.client import ApiClient
from cli.context import Context
from cli.live import LiveChannel
from cli.repl import CommandCompleter, Repl
from cli.session_store import SessionStore
from loadtests.payloads import new_account


async def until(check: Callable[[], bool], timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][A-Z0-9]|[=>])")


class Terminal(io.StringIO):
    """What a terminal would have been sent: the prompts and the echo of what was typed."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True

    def text(self) -> str:
        return ESCAPES.sub("", self.getvalue())


class Driven:
    def __init__(self, repl: Repl, pipe, task: asyncio.Task, terminal: Terminal) -> None:
        self.repl, self.pipe, self.task, self.terminal = repl, pipe, task, terminal

    def type(self, text: str) -> None:
        self.pipe.send_text(text)

    def printed(self) -> str:
        """The lines the REPL printed (replies, messages), without prompts or echo."""
        return "\n".join(self.repl.printed)

    def screen(self) -> str:
        """Everything the terminal was sent, prompts and echoed input included."""
        return self.terminal.text()

    async def sees(self, text: str) -> None:
        await until(lambda: text in self.printed())

    async def answer(self, label: str, text: str) -> None:
        """Type `text` at the prompt asking for `label`, once it is shown."""
        asker = self.repl.asker.session
        await until(lambda: asker.app.is_running and asker.message == f"{label}: ")
        self.type(text + "\r")


@contextlib.asynccontextmanager
async def driven(url: str, root: Path) -> AsyncIterator[Driven]:
    terminal = Terminal()
    output = Vt100_Output(terminal, lambda: Size(rows=40, columns=160), term="xterm")
    with create_pipe_input() as pipe:
        async with ApiClient(url) as api:
            ctx = Context(server=url, api=api, store=SessionStore(url, root=root))
            repl = Repl(ctx, input=pipe, output=output, history=InMemoryHistory())
            task = asyncio.create_task(repl.run())
            try:
                yield Driven(repl, pipe, task, terminal)
            finally:
                if not task.done():
                    pipe.send_text("\x04")
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(task, 10)
                    task.cancel()


async def verified(url: str, any_server) -> tuple[str, str]:
    account = new_account("repl")
    async with ApiClient(url) as api:
        from contracts.messages import SignupRequest, VerifyEmailRequest
        from contracts.service import SIGNUP, VERIFY_EMAIL

        await api.call(SIGNUP, SignupRequest(username=account.username, email=account.email,
                                               password=account.password))
        code = await any_server.acode_for(account.email)
        await api.call(VERIFY_EMAIL, VerifyEmailRequest(email=account.email, code=code))
    return account.username, account.password


async def test_help_lists_every_command_with_a_line(any_server, tmp_path):
    async with driven(any_server.url, tmp_path) as repl:
        repl.type("help\r")
        await repl.sees("quit")
        for name in ("signup", "verify", "resend", "login", "logout", "whoami", "forgot",
                     "reset", "passwd", "email", "sessions", "revoke", "delete-account",
                     "say", "history", "who"):
            assert f"  {name}" in repl.printed()
        repl.type("help login\r")
        await repl.sees("--username")


async def test_login_asks_for_missing_values_then_chats_live(any_server, tmp_path):
    username, password = await verified(any_server.url, any_server)
    async with driven(any_server.url, tmp_path) as repl:
        repl.type("login\r")
        await until(lambda: repl.repl.asker.session.app.is_running)
        repl.type(f"{username}\r")
        await until(lambda: "Password" in repl.screen().rsplit(username, 1)[-1])
        repl.type(f"{password}\r")
        await repl.sees(f"Logged in as {username}")
        await until(lambda: repl.repl.state == "online")
        screen = repl.screen()
        assert username in screen  # typed input is echoed to the terminal...
        # ...but not this, nor one mark per character (which would tell its length)
        assert password not in screen and "*" * len(password) not in screen
        toolbar = "".join(text for _, text, *_ in repl.repl.toolbar())
        assert username in toolbar and "online" in toolbar

        repl.type("hello from the repl\r")
        await repl.sees(f"{username}: hello from the repl")

        # Another client's chat arrives while nothing is being done at the prompt.
        async with LiveChannel(any_server.url, repl.repl.ctx.api.token) as other:
            await other.say("pushed from elsewhere")
        await repl.sees("pushed from elsewhere")

        repl.type("who\r")
        await repl.sees("online (")
        repl.type("logout\r")
        await repl.sees("✓")
        await until(lambda: repl.repl.user is None and repl.repl.ctx.live is None)


async def test_not_a_command_when_logged_out_says_so(any_server, tmp_path):
    async with driven(any_server.url, tmp_path) as repl:
        repl.type("frobnicate now\r")
        await repl.sees("'frobnicate' is not a command")
        repl.type("login --nope\r")
        await repl.sees("unrecognized arguments")
        repl.type("whoami\r")
        await repl.sees("not logged in")
        assert "run 'login' first" in repl.printed()  # typed as such in the REPL
        assert "authcli login" not in repl.printed()


async def test_ctrl_c_cancels_the_line_and_ctrl_d_leaves(any_server, tmp_path):
    async with driven(any_server.url, tmp_path) as repl:
        repl.type("half a line")
        await until(lambda: "half a line" in repl.screen())
        repl.type("\x03")
        repl.type("help\r")
        await repl.sees("quit")  # "help" ran alone: the half line was dropped, not sent
        assert "'half'" not in repl.printed()
        assert not repl.task.done()
        repl.type("\x04")
        assert await asyncio.wait_for(repl.task, 10) == 0


async def test_quit_leaves(any_server, tmp_path):
    async with driven(any_server.url, tmp_path) as repl:
        repl.type("quit\r")
        assert await asyncio.wait_for(repl.task, 10) == 0


async def test_unreachable_server_keeps_the_repl_alive(tmp_path):
    async with driven("http://127.0.0.1:9", tmp_path) as repl:
        repl.type("resend --email a@example.com\r")
        await repl.sees("cannot reach")
        assert not repl.task.done()


def completions(text: str) -> list[str]:
    document = Document(text, len(text))
    return [c.text for c in CommandCompleter().get_completions(document, CompleteEvent())]


@pytest.mark.parametrize(("typed", "expected"), [
    ("", ["help", "signup", "verify", "resend", "login", "logout", "whoami", "forgot",
          "reset", "passwd", "email", "sessions", "revoke", "apps", "device", "providers",
          "unlink", "delete-account", "totp-enrol", "totp-confirm", "recovery-codes",
          "totp-disable", "passkeys", "passkey-rename", "passkey-remove", "approval-on",
          "approval-off", "say", "history", "who", "quit"]),
    ("lo", ["login", "logout"]),
    ("re", ["resend", "reset", "revoke", "recovery-codes"]),
    ("login ", ["--username", "--code"]),
    ("totp-", ["totp-enrol", "totp-confirm", "totp-disable"]),
    ("logout ", ["--all"]),
    ("reset --email a@b.c ", ["--code"]),
    ("email --new-email a@b.c --", ["--code"]),
    ("revoke ", ["--others"]),
    ("revoke --others ", []),
    ("passwd ", []),
    ("help d", ["device", "delete-account"]),
    ("history --", ["--limit", "--before", "--after"]),
    ("history --limit 5 --", ["--before", "--after"]),
    ("history --limit ", []),
    ("verify --email a@b.c --c", ["--code"]),
    ("help wh", ["whoami", "who"]),
    ("no-such-command -", []),
])
def test_completion_of_commands_and_their_options(typed, expected):
    assert completions(typed) == expected


async def test_a_refused_live_command_is_told_once(start_server, tmp_path):
    """A socket refusal comes as an `error` event and as the ack of the call: the REPL
    prints it once (CHAT=off refuses chat, history and who)."""
    server = start_server(CHAT="off")
    username, password = await verified(server.url, server)
    refusal = "Chat is turned off on this server (CHAT=off)."
    async with driven(server.url, tmp_path) as repl:
        repl.type(f"login --username {username}\r")
        await repl.answer("Password", password)
        await until(lambda: repl.repl.state == "online")
        for line in ("who", "history", "a chat line"):
            before = repl.printed().count(refusal)
            repl.type(f"{line}\r")
            await until(lambda before=before: repl.printed().count(refusal) > before)
            await asyncio.sleep(0.3)  # a second copy would have come by now
            assert repl.printed().count(refusal) == before + 1, repl.printed()
