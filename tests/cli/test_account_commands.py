"""authcli's account commands end to end: a real process against the real server, codes
read from the real SMTP sink."""

from tests.cli.conftest import mailed_code, new_account, wait_for_mail
from tests.lifecycle.support import mails

NEW_PASSWORD = "a brand new passphrase"


def one_line(result) -> bool:
    return result.err.startswith("authcli: ") and result.err.count("\n") == 1


def test_forgot_then_reset_ends_every_session_and_sets_the_password(authcli, any_server):
    account = authcli.signup_verified(any_server, "forgot")
    assert authcli.login(account).code == 0

    forgot = authcli("forgot", "--email", account.email)
    assert forgot.code == 0, forgot.err
    assert f"Next: authcli reset --email {account.email} --code" in forgot.out
    unknown = authcli("forgot", "--email", f"nobody-{account.email}")
    assert unknown.code == 0
    assert unknown.out.splitlines()[0] == forgot.out.splitlines()[0]  # the same answer

    code = mailed_code(any_server, account.email, "reset")
    reset = authcli("reset", "--email", account.email, "--code", code, "--password-stdin",
                    stdin=NEW_PASSWORD + "\n")
    assert reset.code == 0, reset.err
    assert "Next: authcli login" in reset.out

    ended = authcli("whoami")
    assert ended.code == 1 and "expired or was revoked" in ended.err
    assert authcli.login(account).code == 1
    assert authcli("login", "--username", account.username, "--password-stdin",
                   stdin=NEW_PASSWORD + "\n").code == 0
    used = authcli("reset", "--email", account.email, "--code", code, "--password-stdin",
                   stdin="yet another passphrase\n")
    assert used.code == 1 and one_line(used)


def test_passwd_keeps_this_session_and_ends_the_others(authcli, other_authcli, any_server):
    account = authcli.signup_verified(any_server, "passwd")
    assert authcli.login(account).code == 0
    assert other_authcli.login(account).code == 0

    wrong = authcli("passwd", "--password-stdin", stdin=f"not it at all\n{NEW_PASSWORD}\n")
    assert wrong.code == 1 and one_line(wrong)
    assert other_authcli("whoami").code == 0

    changed = authcli("passwd", "--password-stdin",
                      stdin=f"{account.password}\n{NEW_PASSWORD}\n")
    assert changed.code == 0, changed.err
    assert authcli("whoami").code == 0
    assert other_authcli("whoami").code == 1
    assert other_authcli("login", "--username", account.username, "--password-stdin",
                         stdin=NEW_PASSWORD + "\n").code == 0

    only_one = authcli("passwd", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert only_one.code == 2 and "standard input" in only_one.err


def test_email_change_is_asked_then_confirmed_with_the_mailed_code(authcli, any_server):
    account = authcli.signup_verified(any_server, "email")
    taken = authcli.signup_verified(any_server, "taken")
    assert authcli.login(account).code == 0
    new_address = f"moved-{account.email}"

    # An address a verified account holds answers as a free one would (the server is no
    # list of who has an account); its owner is told, no code goes, nothing changes.
    held = authcli("email", "--new-email", taken.email, "--password-stdin",
                   stdin=account.password + "\n")
    assert held.code == 0, held.err
    assert held.out.startswith("✓ A code is on its way to the new address")
    assert "Next: authcli email --code" in held.out
    notice = wait_for_mail(any_server, taken.email, "Someone tried to move an account")
    assert "no code was sent" in " ".join(notice.split())
    assert not mails(any_server, taken.email, "email change code")
    assert authcli("--json", "whoami").json()["email"] == account.email

    asked = authcli("email", "--new-email", new_address, "--password-stdin",
                    stdin=account.password + "\n")
    assert asked.code == 0, asked.err
    assert "Next: authcli email --code" in asked.out
    assert authcli("--json", "whoami").json()["email"] == account.email

    code = mailed_code(any_server, new_address, "email_change")
    confirmed = authcli("email", "--code", code)
    assert confirmed.code == 0, confirmed.err
    assert authcli("--json", "whoami").json()["email"] == new_address


USAGE_ERRORS = [
    (("email",), "--new-email ADDRESS"),
    (("email", "--new-email", "a@example.com", "--code", "123456"), "not both"),
    (("email", "--new-email", "not-an-address"), "does not look like an email"),
    (("email", "--code", "12"), "6 digits"),
    (("revoke",), "authcli sessions"),
    (("revoke", "3", "--others"), "not both"),
    (("revoke", "three"), "invalid int"),
    (("passwd", "--password", "in-argv"), "unrecognized arguments"),
    (("delete-account", "in-argv"), "unrecognized arguments"),
    (("reset", "--email", "a@example.com", "--code", "123456"), "--password-stdin"),
]


def test_usage_errors_exit_2_and_change_nothing(authcli, any_server):
    account = authcli.signup_verified(any_server, "usage")
    assert authcli.login(account).code == 0
    for args, says in USAGE_ERRORS:
        result = authcli(*args, stdin="")
        assert result.code == 2, (args, result)
        assert says in result.err and "Traceback" not in result.err, (args, result)
    me = authcli("--json", "sessions")
    assert me.code == 0 and len(me.json()["sessions"]) == 1
    assert authcli("--json", "whoami").json()["email"] == account.email


def test_signed_in_commands_need_a_session(authcli):
    for args in (("passwd",), ("email", "--code", "123456"), ("sessions",), ("revoke", "1"),
                 ("revoke", "--others"), ("logout", "--all"), ("delete-account",)):
        result = authcli(*args, stdin="")
        assert result.code == 1, (args, result)
        assert "not logged in" in result.err and "run 'authcli login' first" in result.err


def test_sessions_lists_them_and_revoke_ends_one(authcli, other_authcli, any_server):
    account = authcli.signup_verified(any_server, "sessions")
    assert authcli.login(account).code == 0
    assert other_authcli.login(account).code == 0

    listed = authcli("--json", "sessions").json()["sessions"]
    assert len(listed) == 2
    [mine] = [s for s in listed if s["current"]]
    [theirs] = [s for s in listed if not s["current"]]
    assert theirs["user_agent"].startswith("authcli/") and theirs["ip"] == "127.0.0.1"
    table = authcli("sessions")
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("* "))
    assert lines[row].split()[1] == str(mine["id"])
    assert lines[row].count("UTC") == 3  # each time names its zone
    assert lines[row + 1].split() == [mine["user_agent"], "from", "127.0.0.1"]

    missing = authcli("revoke", str(theirs["id"] + mine["id"] + 1000))
    assert missing.code == 1 and "NOT_FOUND" in missing.err
    revoked = authcli("revoke", str(theirs["id"]))
    assert revoked.code == 0, revoked.err
    ended = other_authcli("sessions")
    assert ended.code == 1 and one_line(ended)
    assert "expired or was revoked; run 'authcli login' again" in ended.err
    assert other_authcli.token_files() == []  # a dead token is not kept
    assert authcli("whoami").code == 0

    this_one = authcli("revoke", str(mine["id"]))
    assert this_one.code == 0, this_one.err
    assert "Next: authcli login" in this_one.out
    assert authcli.token_files() == []


def test_revoke_others_then_logout_everywhere(authcli, other_authcli, any_server, tmp_path):
    account = authcli.signup_verified(any_server, "everywhere")
    assert authcli.login(account).code == 0
    assert other_authcli.login(account).code == 0
    others = authcli("revoke", "--others")
    assert others.code == 0, others.err
    assert [s["current"] for s in authcli("--json", "sessions").json()["sessions"]] == [True]
    assert other_authcli("whoami").code == 1

    assert other_authcli.login(account).code == 0
    everywhere = authcli("logout", "--all")
    assert everywhere.code == 0, everywhere.err
    assert authcli.token_files() == []
    assert other_authcli("whoami").code == 1


def test_delete_account_frees_the_name_and_address(authcli, other_authcli, any_server):
    account = authcli.signup_verified(any_server, "leaving")
    assert authcli.login(account).code == 0
    assert other_authcli.login(account).code == 0

    wrong = authcli("delete-account", "--password-stdin", stdin="not it at all\n")
    assert wrong.code == 1 and one_line(wrong)
    assert authcli("whoami").code == 0

    deleted = authcli("--json", "delete-account", "--password-stdin",
                      stdin=account.password + "\n")
    assert deleted.code == 0, deleted.err
    assert "message" in deleted.json()
    assert authcli.token_files() == []
    assert other_authcli("whoami").code == 1
    gone = authcli.login(account)
    assert gone.code == 1 and "UNAUTHENTICATED" in gone.err

    again = new_account()
    assert authcli("signup", "--username", account.username, "--email", account.email,
                   "--password-stdin", stdin=again.password + "\n").code == 0


def test_help_of_each_account_command_offers_password_stdin_where_it_asks(authcli):
    for name in ("reset", "passwd", "email", "delete-account"):
        shown = authcli(name, "--help")
        assert shown.code == 0 and "--password-stdin" in shown.out, name
    assert "--password-stdin" not in authcli("forgot", "--help").out
    assert "--all" in authcli("logout", "--help").out
