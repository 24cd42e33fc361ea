"""The interactive prompt: commands, chat and live events in one terminal.

Live events print above the prompt (`patch_stdout` and prompt_toolkit's own printing)
so the line being typed is never broken. Ctrl-C cancels the line, Ctrl-D or `quit` leaves.
"""

import asyncio
import contextlib
import shlex
import signal
import traceback
from collections import deque
from collections.abc import Awaitable, Iterable, Iterator
from typing import TypeVar

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import (
    FormattedText,
    StyleAndTextTuples,
    fragment_list_to_text,
)
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.output import Output
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.styles import Style
from pydantic import BaseModel

from cli.approval_prompt import ApprovalPrompt
from cli.catalog import COMMANDS, chat_line
from cli.context import Context
from cli.errors import CliError, Refused, Unreachable
from cli.framework import Command
from cli.live import LiveChannel
from cli.parser import HelpShown, repl_parser
from cli.session_store import state_dir
from contracts import ErrorReply
from contracts.events import (
    AuthError,
    ChatMessage,
    LoginApprovalClosed,
    LoginApprovalRequest,
    Presence,
    RoleChanged,
    SessionRevoked,
)
from contracts.messages import LoginReply

STYLE = Style.from_dict({
    "ok": "ansigreen bold",
    "error": "ansired bold",
    "warn": "ansiyellow",
    "user": "ansicyan bold",
    "me": "ansimagenta bold",
    "time": "ansibrightblack",
    "presence": "ansiyellow",
    "prompt": "bold",
    "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
    "bar.key": "#8a8a8a",
    "bar.online": "ansigreen bold",
    "bar.reconnecting": "ansiyellow bold",
    "bar.offline": "ansired bold",
})

LOCAL = {"help": "list the commands, or 'help COMMAND' for its options",
         "quit": "leave (Ctrl-D too)"}
ALIASES = {"exit": "quit", "?": "help"}
RETRY_SECONDS = 3.0


def error_line(text: str) -> FormattedText:
    return FormattedText([("class:error", "✗ "), ("", text)])


class CommandCompleter(Completer):
    """Completes command names, then the options of the command being typed."""

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        words = text.split()
        current = "" if not words or text[-1:].isspace() else words[-1]
        if len(words) == 0 or (len(words) == 1 and current):
            for name, summary in _all_commands():
                if name.startswith(current):
                    yield Completion(name, -len(current), display_meta=summary)
            return
        name = ALIASES.get(words[0], words[0])
        if name == "help":
            if len(words) == 1 or (len(words) == 2 and current):
                for command in COMMANDS.values():
                    if command.name.startswith(current):
                        yield Completion(command.name, -len(current),
                                         display_meta=command.summary)
            return
        found = COMMANDS.get(name)
        if found is None:
            return
        command = found
        previous = words[-2] if current else words[-1]
        options = [option for option in command.options if not option.positional]
        taking_values = {option.flag for option in options if option.kind is not bool}
        if previous in taking_values and (not current or not current.startswith("-")):
            return  # the option's value is being typed
        for option in options:
            if option.flag.startswith(current) and option.flag not in words:
                yield Completion(option.flag, -len(current), display_meta=option.help)


def _all_commands() -> list[tuple[str, str]]:
    names = [(c.name, c.summary) for c in COMMANDS.values()]
    return [("help", LOCAL["help"]), *names, ("quit", LOCAL["quit"])]


class ReplAsker:
    """Asks for missing values at the prompt; passwords are not echoed, anything else is."""

    def __init__(self, input: Input | None, output: Output | None) -> None:
        self.session: PromptSession[str] = PromptSession(
            input=input, output=output, history=InMemoryHistory())

    async def text(self, label: str, *, default: str = "") -> str:
        """A value, never empty: an empty answer is asked again (Ctrl-C gives up), or
        a person typing on would put the next answer, a password perhaps, at the
        command prompt, in plain sight and into the history."""
        # A PromptSession keeps the options of its last prompt: after a password prompt
        # it would go on hiding what is typed unless told otherwise.
        hint: FormattedText | str = ""
        while True:
            answer = (await self.session.prompt_async(
                f"{label}: ", default=default, is_password=False, placeholder=hint,
                input_processors=[])).strip()
            if answer:
                return answer
            hint = FormattedText([("class:warn", f"{label.lower()} is required; "
                                                 "Ctrl-C cancels")])

    async def secret(self, label: str, *, confirm: bool = False, missing: str = "") -> str:
        first = await self._hidden(f"{label}: ")
        if confirm:
            again = await self._hidden(f"{label} again: ")
            if again != first:
                raise Refused("the passwords do not match")
        return first


    async def _hidden(self, message: str) -> str:
        """What is typed, shown as nothing at all (not even its length, as sudo and ssh
        do); not kept in the history either."""
        with _history_off(self.session):
            return await self.session.prompt_async(message, is_password=False, placeholder="",
                                                   input_processors=[_Hidden()])


@contextlib.contextmanager
def _history_off(session: PromptSession[str]) -> Iterator[None]:
    history, session.history = session.history, InMemoryHistory()
    try:
        yield
    finally:
        session.history = history


class _Hidden(Processor):
    """Shows none of the line, and keeps the cursor just after the prompt."""

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        return Transformation([], source_to_display=lambda _: 0, display_to_source=lambda _: 0)


class Repl:
    """One interactive session against the server of `ctx`."""

    def __init__(self, ctx: Context, *, input: Input | None = None,
                 output: Output | None = None, history: History | None = None,
                 debug: bool = False) -> None:
        self.ctx = ctx
        self.ctx.interactive = True
        self.debug = debug
        self.user: str | None = None
        self.printed: deque[str] = deque(maxlen=500)
        self.asker = ReplAsker(input, output)
        self._output = output
        self._retry: asyncio.Task[None] | None = None
        self._was_lost = False
        self._running = False  # a command is running
        self._revoked: str | None = None  # a session_revoked heard while it ran
        self._lost: bool = False  # the connection dropped while it ran
        self.approval = ApprovalPrompt()
        self.session: PromptSession[str] = PromptSession(
            input=input, output=output,
            history=history if history is not None else _file_history(),
            completer=CommandCompleter(), complete_while_typing=True,
            bottom_toolbar=self.toolbar, style=STYLE)

    # -- output ---------------------------------------------------------------------------

    def echo(self, line: StyleAndTextTuples | str) -> None:
        """Print above the prompt (prompt_toolkit redraws the prompt under it)."""
        fragments = FormattedText([("", line)]) if isinstance(line, str) else line
        self.printed.append(fragment_list_to_text(fragments))
        print_formatted_text(FormattedText(fragments), style=STYLE, output=self._output)

    def _redraw(self) -> None:
        with contextlib.suppress(Exception):
            self.session.app.invalidate()

    @property
    def state(self) -> str:
        return self.ctx.live.state if self.ctx.live is not None else "offline"

    def toolbar(self) -> StyleAndTextTuples:
        parts: StyleAndTextTuples = [("class:bar.key", " server "), ("", self.ctx.server)]
        if self.ctx.via:
            parts += [("class:bar.key", "  via SSH "), ("", self.ctx.via)]
        parts += [("class:bar.key", "  user "), ("", self.user or "(not logged in)")]
        state = self.state if self.user else "offline"
        parts += [("class:bar.key", "  live "), (f"class:bar.{state}", state), ("", " ")]
        return parts

    def prompt(self) -> StyleAndTextTuples:
        return [("class:prompt", f"{self.user or 'authcli'}> ")]

    # -- the live channel -----------------------------------------------------------------

    def _on_event(self, name: str, event: BaseModel) -> None:
        """Show an event the live channel validated (its model tells which it is)."""
        if isinstance(event, ChatMessage):
            self.echo(chat_line(event.user, event.text, event.ts, mine=event.user == self.user))
        elif isinstance(event, Presence):
            verb = "is online" if event.online else "left"
            self.echo(FormattedText([("class:presence", f"* {event.user} {verb}")]))
        elif isinstance(event, SessionRevoked) and self.user is not None:  # else: already out
            if self._running:
                # Perhaps the running command's own doing (logout): it decides after.
                self._revoked = event.reason
            else:
                self._session_revoked(event.reason)
        elif isinstance(event, LoginApprovalRequest):
            for line in self.approval.asked(event):
                self.echo(line)
        elif isinstance(event, LoginApprovalClosed):
            for line in self.approval.closed(event):
                self.echo(line)
        elif isinstance(event, RoleChanged):
            said = ("You are now an admin of this server" if event.role == "admin"
                    else "You are no longer an admin of this server")
            self.echo(FormattedText([("class:presence", f"* {said}")]))
        elif isinstance(event, ErrorReply) and self._running:
            pass  # the running command's own refusal: its ack carries it, and it says it
        elif isinstance(event, ErrorReply | AuthError):
            self.echo(error_line(event.error))
        self._redraw()

    def _session_revoked(self, reason: str) -> None:
        """The server ended this session (from another device, a password reset, ...)."""
        reason = reason.strip() or "The server ended this session."
        reason = reason[0].upper() + reason[1:]
        if not reason.endswith((".", "!", "?")):
            reason += "."
        self.echo(error_line(f"{reason} You are logged out here; type login to go on."))
        self.ctx.forget()
        self.user = None
        asyncio.get_running_loop().create_task(self._drop_live())

    def _on_state(self, state: str) -> None:
        if state == "reconnecting" and self._running:
            # Perhaps the running command's own doing (logout ends this socket): it
            # decides after (`_settle`).
            self._lost = True
        elif state == "reconnecting":
            self._lost_line()
        elif state == "online" and self._was_lost:
            self.echo(FormattedText([("class:ok", "✓ "), ("", "reconnected")]))
        self._was_lost = state == "reconnecting"
        self._redraw()

    def _lost_line(self) -> None:
        self.echo(FormattedText([("class:warn", "! connection lost; reconnecting...")]))

    async def go_live(self) -> None:
        """Join the live channel with the stored token; retry in the background if down."""
        await self._drop_live()
        stored = self.ctx.session()
        if stored is None:
            return
        self.ctx.live = LiveChannel(self.ctx.api.base_url, stored.token,
                                    describe=self.ctx.describe, on_event=self._on_event,
                                    on_state=self._on_state, reconnect=True)
        try:
            await self.ctx.live.open()
        except Unreachable as exc:
            self.echo(FormattedText([("class:warn", f"! {exc}; retrying")]))
            self._retry = asyncio.get_running_loop().create_task(self._keep_trying())
        self._redraw()

    async def _keep_trying(self) -> None:
        while self.ctx.live is not None and self.ctx.live.state != "online":
            await asyncio.sleep(RETRY_SECONDS)
            if self.ctx.live is None:
                return
            with contextlib.suppress(Unreachable):
                await self.ctx.live.open()
                self.echo(FormattedText([("class:ok", "✓ "), ("", "live channel joined")]))

    async def _drop_live(self) -> None:
        if self._retry is not None and self._retry is not asyncio.current_task():
            self._retry.cancel()
            self._retry = None
        live, self.ctx.live = self.ctx.live, None
        if live is not None:
            await live.close()
        self._redraw()

    async def resume(self) -> None:
        """Pick up a stored session: check it with the server, then go live."""
        stored = self.ctx.session()
        if stored is None:
            return
        self.ctx.recent.setdefault("username", stored.username)  # offered by a later login
        try:
            await COMMANDS["whoami"].run(self.ctx, repl_parser(COMMANDS["whoami"]).parse_args([]),
                                         self.asker)
        except Unreachable as exc:
            self.echo(FormattedText([("class:warn", f"! {exc}")]))
            self.user = stored.username
            await self.go_live()
            return
        except CliError as exc:
            self.echo(error_line(str(exc)))
            return
        self.user = stored.username
        self.echo(FormattedText([("class:ok", "✓ "), ("", f"logged in as {self.user}")]))
        await self.go_live()

    # -- commands -------------------------------------------------------------------------

    def help(self, topic: list[str]) -> None:
        if topic and topic[0] in COMMANDS:
            self.echo(repl_parser(COMMANDS[topic[0]]).format_help().rstrip())
            return
        self.echo(FormattedText([("bold", "Commands")]))
        for name, summary in _all_commands():
            self.echo(FormattedText([("class:user", f"  {name:<15}"), ("", summary)]))
        self.echo("A line that is not a command is sent as a chat message. "
                  "Missing options are asked for.")
        self.echo("Tab completes; Ctrl-C cancels the line; Ctrl-D leaves.")

    async def run_command(self, command: Command, line: str) -> None:
        parser = repl_parser(command)
        if command.text_arg:
            rest = line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else ""
            args = parser.parse_args([])
            args.text = [rest]
        else:
            try:
                words = shlex.split(line)[1:]
            except ValueError as exc:
                raise Refused(f"cannot read that line: {exc}") from None
            try:
                args = parser.parse_args(words)
            except HelpShown:
                self.echo(parser.format_help().rstrip())
                return
        live_before = self.state == "online"
        self._running, self._revoked = True, None
        try:
            outcome = await _interruptible(command.run(self.ctx, args, self.asker))
        finally:
            self._running = False
            await self._settle()
        if not (command.name == "say" and live_before):  # the chat event itself shows it
            for printed in outcome.lines:
                self.echo(printed)
        if isinstance(outcome.reply, LoginReply):
            self.user = outcome.reply.user.username
            await self.go_live()

    async def _settle(self) -> None:
        """After a command: a session it ended (logout, delete-account, revoking this
        one, a token found dead) leaves the live channel; a revocation heard while it ran
        that the command did not cause is told now."""
        revoked, self._revoked = self._revoked, None
        lost, self._lost = self._lost, False
        if self.user is None:
            return
        if self.ctx.store.load() is None:
            self.user = None
            await self._drop_live()
        elif revoked is not None:
            self._session_revoked(revoked)
        elif lost and self.state == "reconnecting":
            self._lost_line()

    async def handle(self, line: str) -> bool:
        """Do what one line says; False when it asks to leave."""
        text = line.strip()
        if not text:
            return True
        first = text.split(None, 1)[0]
        name = ALIASES.get(first, first)
        try:
            if name == "quit":
                return False
            if self.approval.takes(text):
                for printed in await self.approval.answer(self.ctx.live, text):
                    self.echo(printed)
            elif name == "help":
                self.help(text.split()[1:])
            elif name in COMMANDS:
                await self.run_command(COMMANDS[name], text)
            elif self.user is None:
                self.echo(error_line(f"'{first}' is not a command (type help); "
                                     "log in to chat"))
            else:
                await self.run_command(COMMANDS["say"], f"say {text}")
        except KeyboardInterrupt:
            self.echo(FormattedText([("class:warn", "cancelled")]))
        except CliError as exc:
            self.echo(error_line(str(exc)))
        except Exception as exc:
            if self.debug:
                self.echo(traceback.format_exc().rstrip())
            self.echo(error_line(f"internal error: {type(exc).__name__}: {exc}"))
        self._redraw()
        return True

    async def run(self) -> int:
        """The read-eval-print loop; returns the exit code."""
        with patch_stdout(raw=True):
            self.echo(FormattedText([
                ("bold", "authcli"), ("", f" on {self.ctx.describe}. Type "),
                ("class:user", "help"), ("", " for commands, Ctrl-D to leave.")]))
            await self.resume()
            try:
                while True:
                    try:
                        line = await self.session.prompt_async(self.prompt)
                    except KeyboardInterrupt:
                        continue
                    except EOFError:
                        break
                    if not await self.handle(line):
                        break
            finally:
                await self._drop_live()
        return 0


T = TypeVar("T")


class _PromptInterrupted(Exception):
    """Ctrl-C at one of a command's own prompts, carried out of the command's task."""


async def _interruptible(work: Awaitable[T]) -> T:
    """Run a command so that Ctrl-C stops it, not the REPL: while no prompt reads keys
    (a command waiting for the server, such as a login waiting for approval) the
    terminal turns Ctrl-C into SIGINT, which would otherwise end asyncio.run and the
    REPL with it. Raises KeyboardInterrupt, as Ctrl-C at a prompt does."""
    async def guarded() -> T:
        try:
            return await work
        except KeyboardInterrupt:  # out of a task it would stop the event loop
            raise _PromptInterrupted from None

    task = asyncio.ensure_future(guarded())
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    # A plain handler, not loop.add_signal_handler: a prompt inside the command (the
    # password, say) hands SIGINT to prompt_toolkit and then removes the loop's handler,
    # but puts a plain one back as it was.
    try:
        signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(task.cancel))
    except ValueError:  # not the main thread: no signals here, as before
        return await task
    try:
        return await task
    except _PromptInterrupted:
        raise KeyboardInterrupt from None
    except asyncio.CancelledError:
        if task.cancelled() and not _cancelling():
            raise KeyboardInterrupt from None  # our SIGINT handler cancelled it
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


def _cancelling() -> bool:
    """Whether the REPL's own task is being cancelled (then a cancellation is not Ctrl-C)."""
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0


def _file_history() -> History:
    path = state_dir() / "history"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    return FileHistory(str(path))
