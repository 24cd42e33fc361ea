"""authcli and two-step login end to end: a real process against the real server. The
app's codes are computed here from the key authcli prints, as a phone would."""

import re

from cli.second_factor import FACTOR_PROMPT
from tests.cli.test_repl import driven, until, verified
from tests.twofactor.support import Authenticator


def one_line_error(result) -> bool:
    return result.err.startswith("authcli: ") and result.err.count("\n") == 1


def enrol(authcli, account) -> tuple[Authenticator, list[str]]:
    """Turn on two-step login through authcli; the app and the recovery codes."""
    started = authcli("totp-enrol", "--password-stdin", stdin=account.password + "\n")
    assert started.code == 0, started.err
    key = re.search(r"^Key: ([A-Z2-7]+)$", started.out, re.M).group(1)
    assert f"secret={key}" in re.search(r"^URI: (otpauth://\S+)$", started.out, re.M).group(1)
    assert "█" in started.out  # the QR code, drawn in the terminal
    assert "Next: authcli totp-confirm --code" in started.out
    app = Authenticator(key)
    confirmed = authcli("--json", "totp-confirm", "--code", app.code_now(), "--password-stdin",
                        stdin=account.password + "\n")
    assert confirmed.code == 0, confirmed.err
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10
    return app, codes


def test_enrol_then_log_in_with_the_apps_code_or_a_recovery_code(authcli, any_server):
    account = authcli.signup_verified(any_server, "totp")
    assert authcli.login(account).code == 0
    app, codes = enrol(authcli, account)

    wrong = authcli("login", "--username", account.username, "--code", app.wrong_code(),
                    "--password-stdin", stdin=account.password + "\n")
    assert wrong.code == 1 and one_line_error(wrong) and "4 tries left" in wrong.err
    by_code = authcli("login", "--username", account.username, "--code", app.code_now(),
                      "--password-stdin", stdin=account.password + "\n")
    assert by_code.code == 0, by_code.err
    assert authcli("whoami").code == 0
    # Without --code the second factor is the next line of standard input.
    by_recovery = authcli("login", "--username", account.username, "--password-stdin",
                          stdin=f"{account.password}\n{codes[0]}\n")
    assert by_recovery.code == 0, by_recovery.err
    missing = authcli("login", "--username", account.username, "--password-stdin",
                      stdin=account.password + "\n")
    assert missing.code == 2 and "standard input" in missing.err


def test_new_recovery_codes_then_turn_it_off(authcli, any_server):
    account = authcli.signup_verified(any_server, "totpoff")
    assert authcli.login(account).code == 0
    app, old_codes = enrol(authcli, account)
    alone = authcli("recovery-codes", "--password-stdin", stdin=account.password + "\n")
    assert alone.code == 2 and "standard input" in alone.err  # no code: not asked for
    fresh = authcli("--json", "recovery-codes", "--code", app.code_now(), "--password-stdin",
                    stdin=account.password + "\n")
    assert fresh.code == 0, fresh.err
    assert set(fresh.json()["recovery_codes"]).isdisjoint(old_codes)

    refused = authcli("totp-disable", "--password-stdin",
                      stdin=f"{account.password}\n{old_codes[0]}\n")
    assert refused.code == 1 and one_line_error(refused)
    off = authcli("totp-disable", "--code", app.code_now(), "--password-stdin",
                  stdin=account.password + "\n")
    assert off.code == 0, off.err
    assert authcli.login(account).code == 0  # the password alone again


async def test_the_repl_asks_for_the_apps_code_at_login(any_server, tmp_path):
    username, password = await verified(any_server.url, any_server)
    async with driven(any_server.url, tmp_path) as repl:
        repl.type("login\r")
        await repl.answer("Username", username)
        await repl.answer("Password", password)
        await repl.sees(f"Logged in as {username}")
        repl.type("totp-enrol\r")
        await repl.answer("Current password", password)
        await repl.sees("Next: totp-confirm --code <6 digits>")
        app = Authenticator(re.search(r"Key: ([A-Z2-7]+)", repl.printed()).group(1))
        repl.type("totp-confirm\r")
        await repl.answer("Current password", password)
        await repl.answer("Code", await app.code())
        await repl.sees("shown only now")
        repl.type("logout\r")
        await repl.sees("logged out")

        repl.type("login\r")
        await repl.answer("Username", "")  # the name typed before is offered: accepted
        await repl.answer("Password", password)
        await repl.answer(FACTOR_PROMPT, await app.code())
        await until(lambda: repl.printed().count(f"Logged in as {username}") == 2)


def test_a_script_without_the_code_is_told_how_to_give_it(authcli, any_server):
    account = authcli.signup_verified(any_server, "totpstdin")
    assert authcli.login(account).code == 0
    app, _ = enrol(authcli, account)
    missing = authcli("login", "--username", account.username, "--password-stdin",
                      stdin=account.password + "\n")
    assert missing.code == 2
    assert missing.err == ("authcli: this account has two-step login: add --code CODE (or put "
                           "the code on the next line of standard input)\n")
    # The app's code on the next line of standard input logs in.
    by_stdin = authcli("login", "--username", account.username, "--password-stdin",
                       stdin=f"{account.password}\n{app.code_now()}\n")
    assert by_stdin.code == 0, by_stdin.err
    assert "Logged in as" in by_stdin.out


def test_an_account_with_no_password_proves_itself_with_its_apps_code(authcli, any_server,
                                                                      unique):
    """Issue 28: an account with no password (a provider's) is not asked for one; a code
    from its app proves it, and without an app it is sent to the web UI's passkeys."""
    import sqlite3

    account = authcli.signup_verified(any_server, "nopw")
    assert authcli.login(account).code == 0
    app, old_codes = enrol(authcli, account)
    with sqlite3.connect(any_server.database_url[len("sqlite:///"):]) as connection:
        connection.execute("UPDATE \"user\" SET password_hash = '' WHERE username = ?",
                           (account.username,))
    connection.close()

    fresh = authcli("--json", "recovery-codes", "--password-stdin", stdin=old_codes[0] + "\n")
    assert fresh.code == 0, fresh.err
    _, new_email = unique("nopw-new")
    moved = authcli("email", "--new-email", new_email, "--password-stdin",
                    stdin=app.code_now() + "\n")
    assert moved.code == 0, moved.err
    off = authcli("totp-disable", "--code", app.code_now())
    assert off.code == 0, off.err
    refused = authcli("delete-account", "--password-stdin", stdin="\n")
    assert refused.code == 1 and one_line_error(refused) and "web UI" in refused.err
    assert authcli("whoami").code == 0
