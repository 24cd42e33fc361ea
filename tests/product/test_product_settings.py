"""CHAT, PRESENCE and APP_NAME as a deployment sets them, on servers of their own: the
socket refuses what is off and still carries what sign-in needs; the product's name is in
the page, the mail and the authenticator app."""

from urllib.parse import parse_qs, unquote, urlsplit

from tests.admin.test_admin_api import make_admin
from tests.support.api import call, verified_account


async def _refused(socket, event: str, payload: dict) -> dict:
    reply = await socket.call(event, payload)
    assert "code" in reply and "error" in reply, reply
    return reply


async def test_chat_off_refuses_chat_history_who_and_still_ends_sessions(
        http, start_server, clients, unique):
    server = start_server(CHAT="off")
    config = await call(http, server, "product_config")
    assert config.body == {"app_name": "authserver", "chat": False, "presence": "everyone",
                           "support_email": None}
    account = await verified_account(http, server, unique)
    socket = await clients(server).connect(token=account.token)
    await socket.next("connected")
    for event, payload in (("chat", {"text": "hello"}), ("history", {}), ("who", {})):
        refusal = await _refused(socket, event, payload)
        assert refusal["code"] == "FAILED_PRECONDITION"
        assert refusal["error"] == "Chat is turned off on this server (CHAT=off)."
    # What sign-in needs still travels: a session ended elsewhere ends the socket.
    ended = await call(http, server, "logout_all", {}, token=account.token)
    assert ended.status == 200, ended.body
    assert (await socket.next("session_revoked"))["reason"]
    await socket.disconnected.wait()


async def test_presence_for_admins_refuses_users_and_answers_admins(
        http, start_server, clients, unique):
    server = start_server(PRESENCE="admins")
    admin = await make_admin(http, server, unique)
    user = await verified_account(http, server, unique)
    watcher = await clients(server).connect(token=user.token)
    await watcher.next("connected")
    refusal = await _refused(watcher, "who", {})
    assert refusal["code"] == "PERMISSION_DENIED"
    assert refusal["error"] == "Only administrators may see who is online on this server."
    assert (await watcher.call("chat", {"text": "chat still works"}))["id"]
    looker = await clients(server).connect(token=admin.token)
    await looker.next("connected")
    assert user.username in (await looker.call("who", {}))["users"]
    # Comings and goings reach the admins only.
    late = await verified_account(http, server, unique)
    await (await clients(server).connect(token=late.token)).close()
    assert (await looker.next_where("presence", lambda p: p["user"] == late.username
                                    and not p["online"]))
    assert await watcher.nothing("presence")
    # Everyone still sees their own sessions.
    assert (await call(http, server, "list_sessions", token=user.token)).status == 200


async def test_presence_off_refuses_everyone(http, start_server, clients, unique):
    server = start_server(PRESENCE="off")
    admin = await make_admin(http, server, unique)
    socket = await clients(server).connect(token=admin.token)
    await socket.next("connected")
    assert (await _refused(socket, "who", {}))["code"] == "FAILED_PRECONDITION"


async def test_app_name_is_in_the_title_the_mail_and_the_authenticator(
        http, start_server, unique):
    server = start_server(APP_NAME="Acme", SUPPORT_EMAIL="help@acme.example")
    async with http.get(server.url + "/") as page:
        assert "<title>Acme</title>" in await page.text()
    account = await verified_account(http, server, unique)
    [signup_mail] = server.mailbox.messages_for(account.email)
    assert signup_mail["Subject"].startswith("Acme: Your verification code")
    body = signup_mail.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.endswith("-- \nAcme\nQuestions? Write to help@acme.example\n")
    enrol = await call(http, server, "totp_enrol", {"current_password": account.password},
                       token=account.token)
    uri = urlsplit(enrol.body["otpauth_uri"])
    assert uri.scheme == "otpauth" and unquote(uri.path).startswith("/Acme:")
    assert parse_qs(uri.query)["issuer"] == ["Acme"]
