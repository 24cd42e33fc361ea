"""The REPL in a real terminal (tmux): log in, see another client's chat arrive above a
half-typed line, leave with Ctrl-D.

tmux answers prompt_toolkit's cursor-position requests, so the bottom toolbar is drawn
(with PROMPT_TOOLKIT_NO_CPR=1 prompt_toolkit hides it, its height being unknown).
"""

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.cli.conftest import new_account
from tests.need import need


class Tmux:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], capture_output=True, text=True,
                              check=False).stdout

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self("send-keys", "-t", self.name, "-l", text)

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed; the screen was:\n{self.screen()}")


@pytest.fixture
def tmux():
    need(shutil.which("tmux") is not None, "tmux is not installed")
    session = Tmux(f"authcli-{uuid.uuid4().hex[:8]}")
    yield session
    session("kill-session", "-t", session.name)


def test_live_chat_prints_above_a_half_typed_line_then_ctrl_d_leaves(
        tmux, authcli, other_authcli, any_server, tmp_path):
    ada = authcli.signup_verified(any_server, "ada")
    bob = other_authcli.signup_verified(any_server, "bob")
    assert other_authcli.login(bob).code == 0
    exit_file = tmp_path / "exit-code"
    env = {k: v for k, v in authcli.env.items() if k != "PROMPT_TOOLKIT_NO_CPR"}
    command = (f"{shlex.quote(sys.executable)} -m cli; "
               f"echo $? > {shlex.quote(str(exit_file))}")
    tmux("new-session", "-d", "-s", tmux.name, "-x", "110", "-y", "30",
         *[arg for key, value in env.items() for arg in ("-e", f"{key}={value}")],
         "-c", str(authcli.home), "sh", "-c", command)

    tmux.wait_for("for commands, Ctrl-D to leave")
    tmux.type("login")
    tmux.keys("Enter")
    tmux.wait_for("Username:")
    tmux.type(ada.username)
    tmux.keys("Enter")
    tmux.wait_for("Password:")
    tmux.type(ada.password)
    tmux.keys("Enter")
    tmux.wait_for(f"Logged in as {ada.username}")
    screen = tmux.wait_for("live online")
    assert ada.password not in screen

    tmux.type("this line is half typ")
    tmux.wait_for("this line is half typ")
    said = other_authcli("say", "hello ada, from bob")
    assert said.code == 0, said.err
    screen = tmux.wait_for(f"{bob.username}: hello ada, from bob")
    lines = screen.splitlines()
    chat_row = next(i for i, line in enumerate(lines) if "hello ada, from bob" in line)
    prompt_row = next(i for i, line in enumerate(lines)
                      if line.startswith(f"{ada.username}> this line is half typ"))
    assert chat_row < prompt_row, screen

    tmux.keys("C-c")  # cancel the half-typed line: Ctrl-D only leaves on an empty line
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        prompts = [line for line in tmux.screen().splitlines()
                   if line.startswith(f"{ada.username}>")]
        if prompts and prompts[-1].rstrip() == f"{ada.username}>":
            break
        time.sleep(0.1)
    tmux.keys("C-d")
    deadline = time.monotonic() + 20
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"authcli did not leave on Ctrl-D:\n{tmux.screen()}"
    assert exit_file.read_text().strip() == "0"


def start_repl(tmux: Tmux, authcli, exit_file) -> None:
    env = {k: v for k, v in authcli.env.items() if k != "PROMPT_TOOLKIT_NO_CPR"}
    command = (f"{shlex.quote(sys.executable)} -m cli; "
               f"echo $? > {shlex.quote(str(exit_file))}")
    tmux("new-session", "-d", "-s", tmux.name, "-x", "120", "-y", "40",
         *[arg for key, value in env.items() for arg in ("-e", f"{key}={value}")],
         "-c", str(authcli.home), "sh", "-c", command)
    tmux.wait_for("for commands, Ctrl-D to leave")


def last_line(tmux: Tmux) -> str:
    lines = [line.rstrip() for line in tmux.screen().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def wait_for_prompt(tmux: Tmux, shown: str, timeout: float = 20) -> None:
    """Wait until the bottom line is the prompt `shown` (prompts have no toolbar)."""
    deadline = time.monotonic() + timeout
    while last_line(tmux) != shown:
        if time.monotonic() > deadline:
            raise AssertionError(f"no prompt {shown!r}; the screen was:\n{tmux.screen()}")
        time.sleep(0.1)


def answer(tmux: Tmux, label: str, text: str) -> None:
    wait_for_prompt(tmux, f"{label}:")
    tmux.type(text)
    tmux.keys("Enter")


def test_account_lifecycle_in_a_terminal(tmux, authcli, any_server, tmp_path):
    """Sign up, verify the offered address, log in, see the sessions, change the password,
    then log out everywhere; what is typed at a prompt after a password prompt shows."""
    account = new_account("term")
    new_password = "a brand new passphrase"
    exit_file = tmp_path / "exit-code"
    start_repl(tmux, authcli, exit_file)

    tmux.type("signup")
    tmux.keys("Enter")
    answer(tmux, "Username", account.username)
    answer(tmux, "Email", account.email)
    answer(tmux, "Password", account.password)
    answer(tmux, "Password again", account.password)
    screen = tmux.wait_for(f"Next: verify --email {account.email}")
    assert "authcli verify" not in screen

    tmux.type("verify")
    tmux.keys("Enter")
    wait_for_prompt(tmux, f"Email: {account.email}")  # offered, visible, not starred
    tmux.keys("Enter")
    answer(tmux, "Code", any_server.code_for(account.email))
    tmux.wait_for("Next: login")

    tmux.type("login")
    tmux.keys("Enter")
    wait_for_prompt(tmux, f"Username: {account.username}")
    tmux.keys("Enter")
    answer(tmux, "Password", account.password)
    tmux.wait_for("live online")

    tmux.type("sessions")
    tmux.keys("Enter")
    screen = tmux.wait_for("revoke --others")
    assert re.search(r"^\* \d+ +\w{3} \d\d \d\d:\d\d UTC .* this session\n +authcli/\S+ from ",
                     screen, re.M), screen

    tmux.type("passwd")
    tmux.keys("Enter")
    answer(tmux, "Current password", account.password)
    answer(tmux, "New password", new_password)
    answer(tmux, "New password again", new_password)
    tmux.wait_for("Your password is changed")

    tmux.type("forgot")
    tmux.keys("Enter")
    wait_for_prompt(tmux, f"Email: {account.email}")
    tmux.keys("C-u")  # not the offered address: another one, typed
    answer(tmux, "Email", f"typed-{account.email}")
    screen = tmux.wait_for(f"Next: reset --email typed-{account.email}")
    assert f"Email: typed-{account.email}" in screen

    tmux.type("logout --all")
    tmux.keys("Enter")
    screen = tmux.wait_for("logged out everywhere")
    assert account.password not in screen and new_password not in screen
    assert "✗" not in screen
    tmux.wait_for("(not logged in)")
    tmux.keys("C-d")
    deadline = time.monotonic() + 20
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.read_text().strip() == "0", tmux.screen()


def test_logout_prints_its_result_and_passwords_show_nothing(tmux, authcli, any_server,
                                                             tmp_path):
    ada = authcli.signup_verified(any_server, "quiet")
    start_repl(tmux, authcli, tmp_path / "exit-code")
    tmux.type("login")
    tmux.keys("Enter")
    answer(tmux, "Username", ada.username)
    wait_for_prompt(tmux, "Password:")
    tmux.type(ada.password)
    tmux.keys("Enter")
    screen = tmux.wait_for("live online")
    # The answered prompt stays on screen as it was drawn while typing: it shows nothing,
    # not the password and not one mark per character.
    assert [line.rstrip() for line in screen.splitlines()
            if line.startswith("Password:")] == ["Password:"]
    tmux.type("logout")
    tmux.keys("Enter")
    tmux.wait_for("You are logged out")
    screen = tmux.wait_for("user (not logged in)  live offline")
    assert "connection lost" not in screen and "reconnect" not in screen, screen
