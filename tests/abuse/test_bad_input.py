"""Bad input over REST and Socket.IO: each row is refused with a clear 4xx (or an
`error` / `auth_error` event) and nothing changes in the database."""

import asyncio
import json
import uuid

import aiohttp
import pytest

from contracts import call_named
from tests.lifecycle.support import rows
from tests.support.api import call, verified_account
from tests.support.databases import snapshot

GOOD = {"username": "abuse_user", "email": "abuse@example.com",
        "password": "a good long password"}
DEEP = "[" * 33 + "]" * 33
CHALLENGE = "c" * 43  # the shape of a real challenge

TABLE_GOOD = {"username": "table_user", "email": "table@example.com",
              "password": "a good long password"}
FOUNDATION_ROWS = [
    # malformed JSON, non-object bodies, wrong types, missing and oversize fields,
    # CR/LF in an email, non-ASCII digits in a code
    ("signup", b"{not json", 400, None),
    ("signup", b"", 400, None),
    ("signup", b"[1, 2]", 400, None),
    ("signup", b'"a string"', 400, None),
    ("signup", b"null", 400, None),
    ("signup", b"\xff\xfe", 400, None),
    ("signup", {**TABLE_GOOD, "username": 123}, 400, "username"),
    ("signup", {**TABLE_GOOD, "password": ["list"]}, 400, "password"),
    ("signup", {"email": "table@example.com", "password": "a good long password"}, 400,
     "username"),
    ("signup", {**TABLE_GOOD, "username": "ab"}, 400, "username"),
    ("signup", {**TABLE_GOOD, "username": "x" * 33}, 400, "username"),
    ("signup", {**TABLE_GOOD, "username": "has space"}, 400, "username"),
    ("signup", {**TABLE_GOOD, "username": "tablé"}, 400, "username"),
    ("signup", {**TABLE_GOOD, "email": "not-an-address"}, 400, "email"),
    ("signup", {**TABLE_GOOD, "email": "table@example.com\r\nBcc: victim@example.com"}, 400,
     "email"),
    ("signup", {**TABLE_GOOD, "email": "a" * 250 + "@example.com"}, 400, "email"),
    ("signup", {**TABLE_GOOD, "password": "short"}, 400, "password"),
    ("signup", {**TABLE_GOOD, "password": "p" * 1025}, 400, "password"),
    ("signup", {**TABLE_GOOD, "admin": True}, 400, "admin"),
    ("verify_email", {"email": "table@example.com", "code": "１２３４５６"}, 400, "code"),
    ("verify_email", {"email": "table@example.com", "code": "123456\n"}, 400, "code"),
    ("verify_email", {"email": "table@example.com", "code": 123456}, 400, "code"),
    ("verify_email", {"email": "table@example.com", "code": "12345"}, 400, "code"),
    ("verify_email", {"email": "table@example.com"}, 400, "code"),
    ("login", {"username": "", "password": "a good long password"}, 400, "username"),
    ("login", {"username": {"$ne": None}, "password": "x" * 10}, 400, "username"),
    ("resend_verification", {"email": "bad\naddress@example.com"}, 400, "email"),
    ("resend_verification", {}, 400, "email"),
]


REST_ROWS = [
    # (call, raw body bytes or a payload, expected status, expected field or None)
    *FOUNDATION_ROWS,
    ("signup", b'{"username": "a", "password": NaN}', 400, None),
    ("signup", b'{"username": "a", "password": Infinity}', 400, None),
    ("signup", b'{"username": "a", "password": -Infinity}', 400, None),
    ("signup", b'{"username": "a", "username": "b", "email": "x@example.com"}', 400, None),
    ("signup", ('{"username": ' + DEEP + "}").encode(), 400, None),
    ("signup", b'{"username": 123456789012345678901}', 400, None),
    ("signup", b'{"username": "\\ud800abc", "email": "a@example.com", "password": "x"}', 400,
     None),
    ("signup", b'{"username": "ok_name", "email": "a@example.com", "password": "\\udfff"}', 400,
     None),
    ("signup", b"\xc3\x28", 400, None),
    ("signup", b"{'username': 'single quotes'}", 400, None),
    ("signup", b'{"username": "trailing",}', 400, None),
    ("signup", b'{"username": "x"} {"username": "y"}', 400, None),
    ("signup", b"true", 400, None),
    ("signup", b"1e999", 400, None),
    ("signup", {**GOOD, "password": "password123"}, 400, "password"),
    ("signup", {**GOOD, "password": "qwertyuiop"}, 400, "password"),
    ("signup", {**GOOD, "password": "Iloveyou1"}, 400, "password"),
    ("signup", {**GOOD, "password": "my abuse_user secret"}, 400, "password"),
    ("signup", {**GOOD, "password": "ABUSE_USER is me"}, 400, "password"),
    ("signup", {**GOOD, "username": "someone", "password": "abuse-and-more"}, 400, "password"),
    ("signup", {**GOOD, "username": "x" * 10_000}, 400, "username"),
    ("signup", {**GOOD, "username": "null\u0000byte"}, 400, "username"),
    ("signup", {**GOOD, "username": "<script>"}, 400, "username"),
    ("signup", {**GOOD, "email": "abuse@example.com'; DROP TABLE user;--"}, 400, "email"),
    ("signup", {**GOOD, "email": ["abuse@example.com"]}, 400, "email"),
    ("signup", {**GOOD, "password": None}, 400, "password"),
    ("verify_email", {"email": "abuse@example.com", "code": "12345a"}, 400, "code"),
    ("verify_email", {"email": "abuse@example.com", "code": "٠١٢٣٤٥"}, 400, "code"),
    ("verify_email", {"email": "abuse@example.com", "code": "1234567"}, 400, "code"),
    ("verify_email", {"email": "abuse@example.com", "code": " 123456"}, 400, "code"),
    ("verify_email", {"email": "abuse@example.com", "code": "000000"}, 400, "code"),
    ("login", {"username": "abuse_user"}, 400, "password"),
    ("login", {"username": "abuse_user", "password": "short"}, 400, "password"),
    ("login", {"username": "u" * 255, "password": "long enough"}, 400, "username"),
    ("login", {"username": ["abuse_user"], "password": "long enough"}, 400, "username"),
    ("login", {"username": "abuse_user", "password": "long enough", "token": "x"}, 400, "token"),
    ("resend_verification", {"email": None}, 400, "email"),
    ("resend_verification", {"email": "no-at-sign"}, 400, "email"),
    ("resend_verification", b"[]", 400, None),
    *[
        # the account lifecycle calls (issue 18); the request is checked before the
        # session, so these are refused with or without one
        ("forgot_password", {}, 400, "email"),
        ("forgot_password", {"email": "not-an-address"}, 400, "email"),
        ("forgot_password", {"email": "abuse@example.com\r\nBcc: x@example.com"}, 400, "email"),
        ("forgot_password", {"email": "abuse@example.com", "username": "x"}, 400, "username"),
        ("reset_password", {"email": "abuse@example.com", "code": "12345",
                            "new_password": "a fresh new passphrase"}, 400, "code"),
        ("reset_password", {"email": "abuse@example.com", "code": "１２３４５６",
                            "new_password": "a fresh new passphrase"}, 400, "code"),
        ("reset_password", {"email": "abuse@example.com", "code": "123456"}, 400,
         "new_password"),
        ("reset_password", {"email": "abuse@example.com", "code": "123456",
                            "new_password": "short"}, 400, "new_password"),
        ("reset_password", {"email": "abuse@example.com", "code": "123456",
                            "new_password": "password123"}, 400, "new_password"),
        ("reset_password", {"email": "nobody-at-all@example.com", "code": "123456",
                            "new_password": "a fresh new passphrase"}, 400, "code"),
        ("change_password", {"current_password": "a good long password"}, 400,
         "new_password"),
        ("change_password", {"current_password": "short",
                             "new_password": "a fresh new passphrase"}, 400, "current_password"),
        ("change_password", {"current_password": None,
                             "new_password": "a fresh new passphrase"}, 400, "current_password"),
        ("change_email", {"current_password": "a good long password"}, 400, "new_email"),
        ("change_email", {"current_password": "a good long password",
                          "new_email": "no-at-sign"}, 400, "new_email"),
        ("confirm_email", {}, 400, "code"),
        ("confirm_email", {"code": "12345a"}, 400, "code"),
        ("revoke_session", {}, 400, "session_id"),
        ("revoke_session", {"session_id": 0}, 400, "session_id"),
        ("revoke_session", {"session_id": 1.5}, 400, "session_id"),
        ("revoke_session", {"session_id": 2**31}, 400, "session_id"),
        ("revoke_session", {"session_id": [1]}, 400, "session_id"),
        ("revoke_other_sessions", {"keep": 1}, 400, "keep"),
        ("logout_all", b"[]", 400, None),
        ("delete_account", {}, 400, "current_password"),
        ("delete_account", {"current_password": ["a good long password"]}, 400,
         "current_password"),
    ],
    *[
        # the second factor (issue 16)
        ("login_second_factor", {}, 400, "challenge"),
        ("login_second_factor", {"challenge": CHALLENGE}, 400, None),
        ("login_second_factor", {"challenge": CHALLENGE, "code": "123456",
                                 "recovery_code": "abcd-efgh"}, 400, None),
        ("login_second_factor", {"challenge": "short", "code": "123456"}, 400, "challenge"),
        ("login_second_factor", {"challenge": CHALLENGE + "\n", "code": "123456"}, 400,
         "challenge"),
        ("login_second_factor", {"challenge": CHALLENGE, "code": "12345"}, 400, "code"),
        ("login_second_factor", {"challenge": CHALLENGE, "code": 123456}, 400, "code"),
        ("login_second_factor", {"challenge": CHALLENGE, "code": "１２３４５６"}, 400, "code"),
        ("login_second_factor", {"challenge": CHALLENGE, "recovery_code": "abc"}, 400,
         "recovery_code"),
        ("login_second_factor", {"challenge": CHALLENGE, "recovery_code": "abcd_efgh"}, 400,
         "recovery_code"),
        ("login_second_factor", {"challenge": CHALLENGE, "code": "123456", "token": "x"},
         400, "token"),
        ("totp_enrol", {}, 400, "current_password"),
        ("totp_enrol", {"current_password": "short"}, 400, "current_password"),
        ("totp_confirm", {"current_password": "a good long password"}, 400, "code"),
        ("totp_confirm", {"code": "123456"}, 400, "current_password"),
        ("totp_confirm", {"current_password": "a good long password", "code": "abcdef"}, 400,
         "code"),
        ("totp_confirm", {"current_password": "a good long password", "code": "123456",
                          "secret": "JBSWY3DPEHPK3PXP"}, 400, "secret"),
        ("totp_disable", {"current_password": "a good long password"}, 400, None),
        ("totp_disable", {"code": "123456"}, 400, "current_password"),
        ("regenerate_recovery_codes", {"current_password": 12345678}, 400,
         "current_password"),
        ("regenerate_recovery_codes", b"[]", 400, None),
        ("regenerate_recovery_codes", {"current_password": "a good long password",
                                       "code": "123456", "recovery_code": "abcd-efgh"}, 400,
         None),
        # approval from a signed-in device (issue 26)
        ("approval_enable", {}, 400, "current_password"),
        ("approval_disable", {"current_password": ["a list"]}, 400, "current_password"),
        ("login_approval_wait", {}, 400, "challenge"),
        ("login_approval_wait", {"challenge": "short"}, 400, "challenge"),
        ("login_approval_wait", {"challenge": CHALLENGE, "number": 12}, 400, "number"),
    ],
    *[
        # the admin API (issue 16): bad bodies from an administrator
        ("admin_list_users", {"limit": 0}, 400, "limit"),
        ("admin_list_users", {"limit": 101}, 400, "limit"),
        ("admin_list_users", {"offset": -1}, 400, "offset"),
        ("admin_list_users", {"query": "q" * 255}, 400, "query"),
        ("admin_list_users", {"query": ["ada"]}, 400, "query"),
        ("admin_list_users", {"role": "admin"}, 400, "role"),
        ("admin_show_user", {}, 400, "user_id"),
        ("admin_show_user", {"user_id": 0}, 400, "user_id"),
        ("admin_show_user", {"user_id": 2**31}, 400, "user_id"),
        ("admin_disable_user", {"user_id": 1.5}, 400, "user_id"),
        ("admin_enable_user", {"user_id": [1]}, 400, "user_id"),
        ("admin_verify_user", {"user_id": None}, 400, "user_id"),
        ("admin_end_sessions", {"user_id": 1, "all": True}, 400, "all"),
        ("admin_reset_second_factors", b"[]", 400, None),
        ("admin_delete_user", {"username": "abuse_user"}, 400, "user_id"),
        ("admin_delete_user", {"user_id": 1}, 400, "current_password"),
        ("admin_disable_user", {"user_id": 1, "current_password": "short"}, 400,
         "current_password"),
    ],
    *[
        # passkeys (issue 16)
        ("passkey_register_options", b"[]", 400, None),
        ("passkey_register_options", {"user": "x"}, 400, "user"),
        ("passkey_register", {}, 400, "ceremony"),
        ("passkey_register", {"ceremony": CHALLENGE}, 400, "credential"),
        ("passkey_register", {"ceremony": CHALLENGE, "credential": "x"}, 400, "credential"),
        ("passkey_register", {"ceremony": "short", "credential": {}}, 400, "ceremony"),
        ("passkey_register", {"ceremony": CHALLENGE, "credential": {}, "name": "n" * 61,
                              "current_password": "a good long password"}, 400, "name"),
        ("passkey_register", {"ceremony": CHALLENGE, "credential": {},
                              "current_password": "a good long password",
                              "name": "laptop\n2026 audit login_success"}, 400, "name"),
        ("passkey_register", {"ceremony": CHALLENGE, "credential": {}}, 400,
         "current_password"),
        ("passkey_login_options", {"username": "abuse_user"}, 400, "username"),
        ("passkey_login", {}, 400, "ceremony"),
        ("passkey_login", {"ceremony": CHALLENGE, "credential": []}, 400, "credential"),
        ("passkey_login", {"ceremony": CHALLENGE + "!", "credential": {}}, 400, "ceremony"),
        ("remove_passkey", {}, 400, "passkey_id"),
        ("remove_passkey", {"passkey_id": 0}, 400, "passkey_id"),
        ("remove_passkey", {"passkey_id": "all"}, 400, "passkey_id"),
    ],
    # control characters (C0, DEL, C1) in every text field; a NUL in a login name was a
    # 500 on PostgreSQL
    ("login", {"username": "abuse\u0000user", "password": "long enough"}, 400, "username"),
    ("login", {"username": "abuse_user\u001b[2J", "password": "long enough"}, 400, "username"),
    ("login", {"username": "abuse_user", "password": "long enough\u0000"}, 400, "password"),
    ("signup", {**GOOD, "password": "a good long\u0007password"}, 400, "password"),
    ("signup", {**GOOD, "password": "a good long\u007fpassword"}, 400, "password"),
    ("signup", {**GOOD, "email": "abuse\u0000@example.com"}, 400, "email"),
    ("resend_verification", {"email": "abuse@example.com\u0085"}, 400, "email"),
    ("verify_email", {"email": "abuse@example.com", "code": "12345\u0000"}, 400, "code"),
    # RFC 2047 encoded words alias another mailbox
    ("signup", {**GOOD, "email": "=?utf-8?q?abuse?=@example.com"}, 400, "email"),
    ("signup", {**GOOD, "email": "=?utf-8?b?YWJ1c2U=?=@example.com"}, 400, "email"),
    ("resend_verification", {"email": "x=?utf-8?q?abuse?=@example.com"}, 400, "email"),
    ("verify_email", {"email": "=?utf-8?q?abuse?=@example.com", "code": "123456"}, 400,
     "email"),
]

CONTENT_TYPE_ROWS = [
    # (call, Content-Type sent, body): a browser sends the first three to any site
    # without a preflight, so a cross-site form could post them
    ("login", "text/plain", json.dumps({"username": "abuse_user", "password": "long enough"})),
    ("signup", "text/plain;charset=UTF-8", json.dumps(GOOD)),
    ("signup", "application/x-www-form-urlencoded", "username=a&email=b&password=c"),
    ("signup", "multipart/form-data; boundary=x", "--x--"),
    ("verify_email", "application/octet-stream",
     json.dumps({"email": "abuse@example.com", "code": "123456"})),
    ("resend_verification", "application/jsonp", json.dumps({"email": "abuse@example.com"})),
    ("resend_verification", "", json.dumps({"email": "abuse@example.com"})),
]

LOOKALIKE_ROWS = [
    # (a name taken, a name that reads the same): each pair is one account, not two
    ("pauldcj", "pauIdcj"),
    ("bob", "b0b"),
    ("b0b", "bOb"),
    ("mia", "rnia"),
    ("will", "vviII"),
    ("lil", "1I1"),
    ("Bob", "bob"),
]

SIGNED_IN_ROWS = [
    # (call, payload, expected status, expected code, expected field): refused for the
    # signed-in account, which stays as it was
    ("change_password", {"current_password": "not the password at all",
                         "new_password": "a fresh new passphrase"}, 400, "INVALID_ARGUMENT",
     "current_password"),
    ("change_password", {"current_password": "a good long password",
                         "new_password": "a good long password"}, 400, "INVALID_ARGUMENT",
     "new_password"),
    ("change_password", {"current_password": "a good long password",
                         "new_password": "qwertyuiop"}, 400, "INVALID_ARGUMENT", "new_password"),
    ("change_email", {"current_password": "a good long password", "new_email": "SELF"}, 400,
     "INVALID_ARGUMENT", "new_email"),
    ("confirm_email", {"code": "123456"}, 400, "FAILED_PRECONDITION", None),
    ("revoke_session", {"session_id": 2**31 - 1}, 404, "NOT_FOUND", "session_id"),
    ("delete_account", {"current_password": "not the password at all"}, 400,
     "INVALID_ARGUMENT", "current_password"),
    # the second factor, for an account without one
    ("totp_enrol", {"current_password": "not the password at all"}, 400,
     "INVALID_ARGUMENT", "current_password"),
    ("totp_confirm", {"current_password": "a good long password", "code": "123456"}, 400,
     "FAILED_PRECONDITION", None),
    ("totp_disable", {"current_password": "a good long password", "code": "123456"}, 400,
     "FAILED_PRECONDITION", None),
    ("regenerate_recovery_codes", {"current_password": "a good long password"}, 400,
     "FAILED_PRECONDITION", None),
    ("remove_passkey", {"passkey_id": 2**31 - 1}, 404, "NOT_FOUND", "passkey_id"),
    ("approval_enable", {"current_password": "not the password at all"}, 400,
     "INVALID_ARGUMENT", "current_password"),
    ("approval_disable", {"current_password": "a good long password"}, 400,
     "FAILED_PRECONDITION", None),
    ("passkey_register", {"ceremony": "c" * 43, "credential": {},
                          "current_password": "a good long password"}, 400, "INVALID_ARGUMENT",
     "ceremony"),
    ("passkey_register", {"ceremony": "c" * 43, "credential": {},
                          "current_password": "not the password at all"}, 400,
     "INVALID_ARGUMENT", "current_password"),
]

SOCKET_ROWS = [
    # (event, payload, expected event, signed in first)
    ("authenticate", "just a string", "error", False),
    ("authenticate", ["a", "list"], "error", False),
    ("authenticate", {"username": "abuse_user"}, "error", False),
    ("authenticate", {"username": "abuse_user", "password": "long enough", "token": "t"},
     "error", False),
    ("authenticate", {"token": "t" * 300}, "error", False),
    ("authenticate", {"token": "forged-token"}, "auth_error", False),
    ("authenticate", {"username": "nobody_here", "password": "long enough"}, "auth_error",
     False),
    ("authenticate", {"username": "abuse_user", "password": "long enough", "admin": True},
     "error", False),
    ("second_factor", {}, "error", False),
    ("second_factor", "a string", "error", False),
    ("second_factor", {"challenge": CHALLENGE}, "error", False),
    ("second_factor", {"challenge": CHALLENGE, "code": "12345"}, "error", False),
    ("second_factor", {"challenge": CHALLENGE, "code": "123456"}, "auth_error", False),
    ("chat", {"text": "not signed in"}, "auth_error", False),
    ("login_approval_answer", {"request_id": "r" * 22, "deny": True}, "auth_error", False),
    ("login_approval_answer", {"request_id": "r" * 22}, "error", True),
    ("login_approval_answer", {"request_id": "r" * 22, "number": 47}, "error", True),
    ("history", {}, "auth_error", False),
    ("who", {}, "auth_error", False),
    ("chat", {"text": ""}, "error", True),
    ("chat", {"text": "   "}, "error", True),
    ("chat", {"text": "x" * 2001}, "error", True),
    ("chat", {"text": 42}, "error", True),
    ("chat", {"text": "hi", "user": "someone_else"}, "error", True),
    ("chat", "bare string", "error", True),
    ("history", {"limit": 0}, "error", True),
    ("history", {"limit": 10_000}, "error", True),
    ("history", {"before": -1}, "error", True),
    ("history", {"before": "latest"}, "error", True),
    ("who", {"extra": 1}, "error", True),
    ("no_such_event", {}, "error", False),
    ("connect", {}, "error", False),
    ("disconnect", "forged reason", "error", True),
    ("chat", {"text": "nul\u0000byte"}, "error", True),
    ("chat", {"text": "bell\u0007"}, "error", True),
    ("chat", {"text": "clear\u001b[2J"}, "error", True),
    ("authenticate", {"username": "abuse\u0000user", "password": "long enough"}, "error",
     False),
]

_accounts: dict[tuple[str, bool], object] = {}


async def _account(http, server, unique, *, admin: bool = False):
    """One signed-in account per server (and one administrator), shared by the rows."""
    key = (server.url, admin)
    if key not in _accounts:
        account = await verified_account(http, server, unique)
        if admin:
            await rows(server.database_url,
                       "UPDATE \"user\" SET role = 'admin' WHERE id = ?", account.user_id)
        _accounts[key] = account
    return _accounts[key]


@pytest.mark.parametrize(("name", "body", "status", "field"), REST_ROWS)
async def test_rest_refused_and_nothing_changed(http, server, unique, name, body, status,
                                                field):
    # A signed-in row reads its body only once the caller is admitted (a 401 or 403
    # comes first): these rows are sent by an account the call admits.
    row = call_named(name)
    token = None
    if row.authenticated:
        token = (await _account(http, server, unique, admin=row.admin)).token
    before = await snapshot(server.database_url)
    if isinstance(body, bytes):
        reply = await call(http, server, name, raw=body, token=token)
    else:
        reply = await call(http, server, name, body, token=token)
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.body["error"] and reply.body["code"] == "INVALID_ARGUMENT"
    assert reply.body.get("field") == field, reply.body
    assert await snapshot(server.database_url) == before


@pytest.mark.parametrize(("name", "content_type", "body"), CONTENT_TYPE_ROWS)
async def test_bodies_other_than_json_are_415_and_nothing_changed(http, server, name,
                                                                  content_type, body):
    before = await snapshot(server.database_url)
    reply = await call(http, server, name, raw=body, headers={"Content-Type": content_type})
    assert reply.status == 415, reply.body
    assert reply.body["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "application/json" in reply.body["error"]
    assert await snapshot(server.database_url) == before


@pytest.mark.parametrize(("taken", "lookalike"), LOOKALIKE_ROWS)
async def test_a_name_that_reads_like_a_taken_one_is_409_and_nothing_changed(
        http, server, taken, lookalike):
    run = uuid.uuid4().hex[:8]
    first = await call(http, server, "signup", {"username": f"{taken}_{run}",
                                                 "email": f"first{run}@example.com",
                                                 "password": GOOD["password"]})
    assert first.status == 201, first.body
    before = await snapshot(server.database_url)
    reply = await call(http, server, "signup", {"username": f"{lookalike}_{run}",
                                                "email": f"second{run}@example.com",
                                                "password": GOOD["password"]})
    assert reply.status == 409 and reply.body["field"] == "username", reply.body
    assert "looks like" in reply.body["error"]
    assert await snapshot(server.database_url) == before


@pytest.mark.parametrize(("name", "payload", "status", "code", "field"), SIGNED_IN_ROWS)
async def test_signed_in_refused_and_nothing_changed(http, server, unique, name, payload,
                                                     status, code, field):
    account = await _account(http, server, unique)
    if payload.get("new_email") == "SELF":
        payload = {**payload, "new_email": account.email}
    before = await snapshot(server.database_url)
    reply = await call(http, server, name, payload, token=account.token)
    assert reply.status == status, reply.body
    assert reply.body["error"] and reply.body["code"] == code
    assert reply.body.get("field") == field, reply.body
    assert await snapshot(server.database_url) == before
    assert (await call(http, server, "me", token=account.token)).status == 200


@pytest.mark.parametrize(("event", "payload", "answer", "signed_in"), SOCKET_ROWS)
async def test_socket_refused_and_nothing_changed(http, server, unique, clients, event, payload,
                                                  answer, signed_in):
    token = (await _account(http, server, unique)).token if signed_in else None
    client = await clients(server).connect(token=token)
    await client.next("connected")
    before = await snapshot(server.database_url)
    await client.sio.emit(event, payload)
    refusal = await client.next(answer)
    assert isinstance(refusal["error"], str) and refusal["error"]
    if answer == "error":
        assert refusal["code"] in {"INVALID_ARGUMENT", "NOT_FOUND"}
    assert client.sio.connected
    assert await snapshot(server.database_url) == before


async def test_socket_frame_over_the_buffer_is_dropped(http, server, unique, clients):
    """A frame larger than the 64 KB Engine.IO buffer ends that socket, nothing else."""
    account = await _account(http, server, unique)
    client = await clients(server).connect(token=account.token)
    await client.next("connected")
    before = await snapshot(server.database_url)
    await client.sio.emit("chat", {"text": "x" * (70 * 1024)})
    await asyncio.wait_for(client.disconnected.wait(), 5)
    assert await snapshot(server.database_url) == before
    reply = await call(http, server, "health")
    assert reply.status == 200


async def test_oversize_header_is_refused(http, server):
    """Headers past max_header_size (16 KB): Tornado closes the connection unanswered."""
    try:
        async with http.get(server.url + "/api/health", headers={"X-Big": "a" * 70_000}) as reply:
            assert reply.status in {400, 431}
    except aiohttp.ClientError:
        pass
    assert (await call(http, server, "health")).status == 200


@pytest.mark.parametrize("size", [64 * 1024 + 1, 2 * 1024 * 1024])
async def test_oversize_bodies_are_413(http, server, size):
    before = await snapshot(server.database_url)
    body = json.dumps({**GOOD, "password": "p" * size}).encode()
    reply = await call(http, server, "signup", raw=body)
    assert reply.status == 413 and reply.body["code"] == "PAYLOAD_TOO_LARGE"
    assert await snapshot(server.database_url) == before


def test_the_table_has_at_least_forty_rows():
    assert len(REST_ROWS) + len(SOCKET_ROWS) >= 40
