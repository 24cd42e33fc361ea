"""Approval from a signed-in device in a real terminal (tmux): a REPL signed in to an
account with approval on is asked about a REST login from a new device, and answers at
its prompt; then it refuses an `authcli login` from another machine."""

import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

from tests.cli.test_repl_terminal import (  # noqa: F401 - tmux is the fixture
    answer,
    start_repl,
    tmux,
)


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=40) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_repl_approves_a_rest_login_and_refuses_an_authcli_one(
        tmux, authcli, other_authcli, any_server, tmp_path):  # noqa: F811
    ada = authcli.signup_verified(any_server, "ada")
    assert authcli.login(ada).code == 0
    on = authcli("approval-on", "--password-stdin", stdin=ada.password + "\n")
    assert on.code == 0, on.err
    start_repl(tmux, authcli, tmp_path / "exit-code")
    tmux.wait_for("live online")

    # A REST login from a new device: 401 with the number, then a long poll.
    status, login = _post(any_server.url + "/api/login",
                          {"username": ada.username, "password": ada.password})
    assert status == 401 and "approval" in login["second_factor"]["factors"], login
    number = login["second_factor"]["number"]
    waited: dict = {}

    def wait() -> None:
        waited["status"], waited["body"] = _post(
            any_server.url + "/api/login/approval/wait",
            {"challenge": login["second_factor"]["challenge"]})

    waiter = threading.Thread(target=wait)
    waiter.start()
    screen = tmux.wait_for("(No, it's not me).")
    shown = re.search(r"shows: +(\d\d) +(\d\d) +(\d\d)", screen)
    assert shown and str(number) in shown.groups(), screen
    tmux.type(str(number))
    tmux.keys("Enter")
    tmux.wait_for("You approved the sign-in.")
    waiter.join(40)
    assert waited["status"] == 200 and waited["body"]["approved"] is True, waited

    # authcli on another machine waits for approval; the REPL says no.
    login_cli = subprocess.Popen(
        [sys.executable, "-m", "cli", "login", "--username", ada.username, "--password-stdin"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        bufsize=0,
        env=other_authcli.env, cwd=other_authcli.home)
    login_cli.stdin.write(ada.password + "\n")
    login_cli.stdin.flush()
    tmux.wait_for("authcli/", timeout=20)  # the second request names the new device
    tmux.type("no")
    tmux.keys("Enter")
    screen = tmux.wait_for("change your password in one step")
    assert "The sign-in was refused." in screen
    out, err = login_cli.communicate(timeout=40)
    assert login_cli.returncode != 0, out
    assert "to approve this sign-in" in err and "refused on your signed-in device" in err, err


def test_ctrl_c_stops_waiting_for_approval_and_keeps_the_repl(
        tmux, authcli, other_authcli, any_server, tmp_path):  # noqa: F811
    """Waiting at `login` for a signed-in device can take two minutes: Ctrl-C gives the
    prompt back (as it does for a line), it does not end the REPL."""
    ada = authcli.signup_verified(any_server, "ada")
    assert authcli.login(ada).code == 0
    on = authcli("approval-on", "--password-stdin", stdin=ada.password + "\n")
    assert on.code == 0, on.err
    exit_file = tmp_path / "exit-code"
    start_repl(tmux, other_authcli, exit_file)  # a machine without ada's device cookie
    tmux.type("login")
    tmux.keys("Enter")
    answer(tmux, "Username", ada.username)
    answer(tmux, "Password", ada.password)
    tmux.wait_for("to approve this sign-in. Waiting...")
    tmux.keys("C-c")
    tmux.wait_for("cancelled\nauthcli>")  # the REPL's own prompt is back
    assert not exit_file.exists(), tmux.screen()
    tmux.type("help")
    tmux.keys("Enter")
    tmux.wait_for("approval-on")  # the REPL still answers
