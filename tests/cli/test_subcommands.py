"""authcli's subcommands end to end: a real process against the real server."""

import json
import stat

import socketio

from contracts.fields import FIELD_RULES
from loadtests.payloads import new_account


def test_whole_flow_signup_verify_login_whoami_say_history_who_logout(authcli, any_server):
    account = new_account("flow")
    signup = authcli("signup", "--username", account.username, "--email", account.email,
                     "--password-stdin", stdin=account.password + "\n")
    assert signup.code == 0, signup.err
    assert f"Next: authcli verify --email {account.email}" in signup.out

    not_yet = authcli.login(account)
    assert not_yet.code == 1
    assert not_yet.err.count("\n") == 1 and "PERMISSION_DENIED" in not_yet.err

    code = any_server.code_for(account.email)
    verified = authcli("verify", "--email", account.email, "--code", code)
    assert verified.code == 0, verified.err

    login = authcli.login(account)
    assert login.code == 0, login.err
    assert account.username in login.out

    whoami = authcli("whoami")
    assert whoami.code == 0 and account.username in whoami.out and account.email in whoami.out

    said = authcli("say", "hello", "from", "the", "shell")
    assert said.code == 0, said.err
    history = authcli("--json", "history", "--limit", "100").json()
    mine = [m for m in history["messages"]
            if m["text"] == "hello from the shell" and m["user"] == account.username]
    assert mine
    missed = authcli("--json", "history", "--after", str(mine[0]["seq"] - 1),
                     "--limit", "1").json()
    assert [m["seq"] for m in missed["messages"]] == [mine[0]["seq"]]
    # `who` lists people online (a one-shot command is not one of them): this account,
    # signed in on a socket of its own while the command asks.
    token = json.loads(authcli.token_files()[0].read_text())["token"]
    watcher = socketio.Client()
    watcher.connect(any_server.url, auth={"token": token}, transports=["websocket"],
                    wait_timeout=5)
    try:
        who = authcli("who")
    finally:
        watcher.disconnect()
    assert who.code == 0, who.err
    assert who.out.startswith("online (1)") and account.username in who.out

    logout = authcli("logout")
    assert logout.code == 0, logout.err
    assert authcli.token_files() == []
    after = authcli("whoami")
    assert after.code == 1 and "not logged in" in after.err


def test_token_file_is_private_and_per_server(authcli, any_server):
    account = authcli.signup_verified(any_server)
    assert authcli.login(account).code == 0
    [token_file] = authcli.token_files()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    other_server = authcli("--server", "http://127.0.0.1:9", "whoami")
    assert other_server.code == 1 and "not logged in to http://127.0.0.1:9" in other_server.err


def test_json_output_parses_and_never_shows_the_token(authcli, any_server):
    account = authcli.signup_verified(any_server)
    login = authcli("login", "--json", "--username", account.email, "--password-stdin",
                    stdin=account.password + "\n")
    assert login.code == 0, login.err
    body = login.json()
    assert body["user"]["username"] == account.username
    assert "token" not in body
    me = authcli("whoami", "--json").json()
    assert me["username"] == account.username and me["is_verified"] is True
    ack = authcli("--json", "say", "json chat").json()
    assert set(ack) == {"id", "ts", "seq"}  # the chat's place in the room (issue 23)
    # A one-shot command is not someone online: it does not list itself.
    assert account.username not in authcli("--json", "who").json()["users"]


def test_wrong_password_is_refused_with_exit_1_and_one_line(authcli, any_server):
    account = authcli.signup_verified(any_server)
    wrong = authcli("login", "--username", account.username, "--password-stdin",
                    stdin="not-the-password\n")
    assert wrong.code == 1
    assert wrong.out == ""
    assert wrong.err.startswith("authcli: ") and wrong.err.count("\n") == 1
    assert "UNAUTHENTICATED" in wrong.err and "Traceback" not in wrong.err
    assert authcli.token_files() == []
    as_json = authcli("--json", "login", "--username", account.username, "--password-stdin",
                      stdin="not-the-password\n")
    assert as_json.code == 1 and as_json.json()["code"] == "UNAUTHENTICATED"


def test_taken_username_and_wrong_code_are_refused(authcli, any_server):
    account = authcli.signup_verified(any_server)
    again = authcli("signup", "--username", account.username, "--email",
                    "someone.else@example.com", "--password-stdin", stdin="long enough pw\n")
    assert again.code == 1 and "ALREADY_EXISTS" in again.err
    fresh = new_account()
    assert authcli("signup", "--username", fresh.username, "--email", fresh.email,
                   "--password-stdin", stdin=fresh.password + "\n").code == 0
    real = any_server.code_for(fresh.email)
    wrong = "000000" if real != "000000" else "111111"
    refused = authcli("verify", "--email", fresh.email, "--code", wrong)
    assert refused.code == 1 and refused.err.count("\n") == 1


def test_resend_answers_the_same_for_unknown_addresses(authcli, any_server):
    account = new_account("resend")
    assert authcli("signup", "--username", account.username, "--email", account.email,
                   "--password-stdin", stdin=account.password + "\n").code == 0
    known = authcli("--json", "resend", "--email", account.email)
    unknown = authcli("--json", "resend", "--email", f"nobody-{account.email}")
    assert known.code == unknown.code == 0, (known.err, unknown.err)
    assert known.json() == unknown.json() and known.json()["message"]
    assert known.out == unknown.out and known.err == unknown.err == ""


def test_usage_errors_exit_2(authcli):
    assert authcli("login").code == 2  # --username missing
    assert authcli("frobnicate").code == 2
    bad_email = authcli("resend", "--email", "not-an-address")
    assert bad_email.code == 2
    assert bad_email.err == f"authcli: {FIELD_RULES['email']}\n"  # the server's words
    short_code = authcli("verify", "--email", "ada@example.com", "--code", "12")
    assert short_code.code == 2 and FIELD_RULES["code"] in short_code.err
    no_password = authcli("login", "--username", "ada", stdin="")
    assert no_password.code == 2 and "--password-stdin" in no_password.err
    assert authcli("say").code == 2
    assert authcli("--server", "ftp://example.com", "whoami").code == 2
    repl_without_terminal = authcli(stdin="")
    assert repl_without_terminal.code == 2 and "terminal" in repl_without_terminal.err


def test_unreachable_server_exits_3_without_traceback(authcli):
    down = authcli("--server", "http://127.0.0.1:9", "resend", "--email", "a@example.com")
    assert down.code == 3
    assert down.err == "authcli: cannot reach http://127.0.0.1:9: connection refused\n"
    env_down = authcli("--json", "resend", "--email", "a@example.com",
                       env={"AUTHCLI_SERVER": "http://127.0.0.1:9"})
    assert env_down.code == 3 and env_down.json()["code"] == "UNAVAILABLE"


def test_debug_shows_the_traceback(authcli):
    down = authcli("--debug", "--server", "http://127.0.0.1:9", "resend", "--email",
                   "a@example.com")
    assert down.code == 3
    assert "DEBUG" in down.err  # the traffic is logged
    assert "Traceback (most recent call last)" in down.err
    assert "ConnectionRefusedError" in down.err or "ClientConnectorError" in down.err
    assert down.err.endswith("authcli: cannot reach http://127.0.0.1:9: connection refused\n")


def test_revoked_session_is_forgotten(authcli, other_authcli, any_server):
    account = authcli.signup_verified(any_server)
    assert authcli.login(account).code == 0
    [token_file] = authcli.token_files()
    # The same account logs in elsewhere and logs that session out; ours stays valid.
    assert other_authcli.login(account).code == 0
    assert other_authcli("logout").code == 0
    assert authcli("whoami").code == 0
    # A token the server no longer knows is dropped with a clear line.
    token_file.write_text(token_file.read_text().replace('"token": "', '"token": "x'))
    stale = authcli("whoami")
    assert stale.code == 1 and "expired or was revoked" in stale.err
    assert authcli.token_files() == []
