"""The account commands in the REPL, driven through prompt_toolkit's pipe input against
the real server: what the prompts show, what they offer, and live revocation."""

import asyncio
import re

from prompt_toolkit.formatted_text import fragment_list_to_text, to_formatted_text

from cli.client import ApiClient
from contracts import service as calls
from contracts.messages import RevokeSessionRequest
from tests.cli.conftest import mailed_code, new_account
from tests.cli.test_repl import driven, until, verified
from tests.lifecycle.support import rows
from tests.support.server import run_authserver

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def logged_in(repl, username: str, password: str) -> None:
    repl.type("login\r")
    await repl.answer("Username", username)
    await repl.answer("Password", password)
    await repl.sees(f"Logged in as {username}")
    await until(lambda: repl.repl.state == "online")


async def test_prompts_after_a_password_prompt_show_what_is_typed(any_server, tmp_path):
    username, password = await verified(any_server.url, any_server)
    async with driven(any_server.url, tmp_path) as repl:
        await logged_in(repl, username, password)
        repl.type("resend\r")
        await repl.answer("Email", "someone.typed@example.com")
        await repl.sees("✓")
    shown = repl.terminal.text()
    assert "Email: someone.typed@example.com" in shown
    assert "*" * len(password) not in shown  # a password shows nothing, not even its length
    assert password not in shown


async def test_verify_offers_the_address_just_signed_up_with_and_refuses_none(any_server,
                                                                              tmp_path):
    account = new_account("offer")
    async with driven(any_server.url, tmp_path) as repl:
        asker = repl.repl.asker.session
        repl.type("verify\r")
        await repl.answer("Email", "")
        await until(lambda: asker.app.is_running and "email is required" in
                    fragment_list_to_text(to_formatted_text(asker.placeholder)))
        repl.type("\x03")  # Ctrl-C gives up
        await repl.sees("cancelled")
        assert "✓" not in repl.printed() and "✗" not in repl.printed()  # nothing was sent

        repl.type("signup\r")
        await repl.answer("Username", account.username)
        await repl.answer("Email", account.email)
        await repl.answer("Password", account.password)
        await repl.answer("Password again", account.password)
        await repl.sees(f"Next: verify --email {account.email} --code <6 digits>")
        assert "authcli verify" not in repl.printed()

        repl.type("verify\r")
        await until(lambda: asker.app.is_running and asker.message == "Email: ")
        assert asker.default_buffer.text == account.email  # offered, to accept with Enter
        repl.type("\r")
        await repl.answer("Code", await any_server.acode_for(account.email))
        await repl.sees("Next: login")

        repl.type("login\r")
        await until(lambda: asker.app.is_running and asker.message == "Username: ")
        assert asker.default_buffer.text == account.username
        repl.type("\r")
        await repl.answer("Password", account.password)
        await repl.sees(f"Logged in as {account.username}")


async def test_a_session_ended_elsewhere_is_told_in_a_sentence(any_server, tmp_path):
    username, password = await verified(any_server.url, any_server)
    async with driven(any_server.url, tmp_path) as repl:
        await logged_in(repl, username, password)
        from contracts.messages import LoginRequest

        async with ApiClient(any_server.url) as elsewhere:
            other = await elsewhere.call(calls.LOGIN, LoginRequest(username=username,
                                                               password=password))
            elsewhere.token = other.token
            listing = await elsewhere.call(calls.LIST_SESSIONS)
            [repl_session] = [s for s in listing.sessions if not s.current]
            await elsewhere.call(calls.REVOKE_SESSION,
                                 RevokeSessionRequest(session_id=repl_session.id))
        await repl.sees("You are logged out here; type login to go on.")
        await until(lambda: repl.repl.user is None and repl.repl.ctx.live is None)
        assert repl.repl.ctx.store.load() is None
        assert "; log in again" not in repl.printed()


async def test_a_role_given_or_taken_is_told_at_once(any_server, tmp_path):
    """The operator gives the REPL's account the admin role, then takes it: each change
    reaches the open REPL (no Redis here: the server's sweep finds it)."""
    username, password = await verified(any_server.url, any_server)
    keeper, _ = await verified(any_server.url, any_server)  # revoke never takes the last admin
    await rows(any_server.database_url, 'UPDATE "user" SET role = ? WHERE username = ?',
               "admin", keeper)
    async with driven(any_server.url, tmp_path) as repl:
        await logged_in(repl, username, password)
        for act, said in (("grant-admin", "* You are now an admin of this server"),
                          ("revoke-admin", "* You are no longer an admin of this server")):
            done = await asyncio.to_thread(run_authserver, any_server.env, "users", act,
                                           username)
            assert done.returncode == 0, done.stderr
            await repl.sees(said)


async def test_account_commands_in_the_repl(any_server, tmp_path):
    username, password = await verified(any_server.url, any_server)
    new_password = "a brand new passphrase"
    async with driven(any_server.url, tmp_path) as repl:
        await logged_in(repl, username, password)

        repl.type("sessions\r")
        await repl.sees("revoke --others")
        assert re.search(r"^\* \d+ +\w{3} \d\d \d\d:\d\d UTC .* this session$",
                         repl.printed(), re.M)
        assert "authcli revoke" not in repl.printed()

        repl.type("passwd\r")
        await repl.answer("Current password", password)
        await repl.answer("New password", new_password)
        await repl.answer("New password again", new_password)
        await repl.sees("Your password is changed")
        assert repl.repl.state == "online"  # this session goes on

        new_email = f"moved-{username}@example.com"
        repl.type("email\r")
        await repl.answer("New email", new_email)
        await repl.answer("Current password", new_password)
        await repl.sees("Next: email --code <6 digits>")
        repl.type(f"email --code {mailed_code(any_server, new_email, 'email_change')}\r")
        await repl.sees(f"Your address is now {new_email}")

        repl.type("delete-account\r")
        await repl.answer(f"Password, to delete {username} for good", new_password)
        await repl.sees("Goodbye")
        await until(lambda: repl.repl.user is None and repl.repl.ctx.live is None)
        assert "✗" not in repl.printed()  # its own sockets ending is no surprise
        assert new_password not in repl.printed() and password not in repl.printed()


async def test_logout_everywhere_in_the_repl(any_server, tmp_path):
    username, password = await verified(any_server.url, any_server)
    async with driven(any_server.url, tmp_path) as repl:
        await logged_in(repl, username, password)
        repl.type("logout --all\r")
        await repl.sees("logged out everywhere")
        await until(lambda: repl.repl.user is None and repl.repl.ctx.live is None)
        assert "✗" not in repl.printed()
        repl.type("sessions\r")
        await repl.sees("run 'login' first")
