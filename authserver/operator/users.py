"""`authserver users create|list|delete|grant-admin|revoke-admin|passkeys|...`: accounts
managed from the shell.

Accounts are made by the sign-up service itself, so the password policy holds and an
unverified account is mailed its code, as from the web. `create --count N --prefix P
--out FILE` makes N verified accounts at once and writes `username,email,password`
lines (for load tests). Every change is audited under the operator's OS user.
"""

import argparse
import asyncio
import csv
import os
import secrets
import sys

from pydantic import ValidationError

from authserver.errors import ServiceError, describe
from authserver.mail.senders import mail_sender
from authserver.operator.output import escaped, say, say_json, say_row, timestamp
from authserver.services import audit
from authserver.services.accounts.signup import signup
from authserver.services.admin import actions as admin_acts
from authserver.services.admin import directory, roles
from authserver.services.factors.passkeys import listed_passkeys, remove_passkey_of
from authserver.services.operator import accounts
from authserver.services.operator.context import operator_caller, operator_context
from contracts.messages import AdminListRequest, SignupRequest

# Sign-ups in flight at once in bulk: enough to keep the hashing pool busy.
BULK_CONCURRENCY = 2 * (os.cpu_count() or 1)
# Accounts read per query by `users list`.
PAGE_ROWS = 100


def add_commands(commands, add_setting_flags) -> None:
    users = commands.add_parser("users", help="create, list, change or delete accounts")
    actions = users.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create accounts")
    create.add_argument("--username")
    create.add_argument("--email")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.add_argument("--verified", action="store_true", help="mark the email verified")
    create.add_argument("--admin", action="store_true", help="give the account the admin role")
    create.add_argument("--count", type=int, help="create this many verified accounts")
    create.add_argument("--prefix", default="load", help="username prefix with --count")
    create.add_argument("--out", help="with --count: write username,email,password lines here")
    add_setting_flags(create)
    listing = actions.add_parser("list", help="list accounts, newest first")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument("--query", default="", help="part of a username or address, as in "
                         "the admin page's search")
    listing.add_argument("--limit", type=int, help="at most this many (default: all)")
    listing.add_argument("--cursor", help="start after this one (a cursor printed before)")
    listing.set_defaults(read_only=True)
    add_setting_flags(listing)
    delete = actions.add_parser("delete", help="delete an account with its sessions and chat")
    _account_arguments(delete)
    add_setting_flags(delete)
    for action, help_text in (
            ("grant-admin", "give an account the admin role"),
            ("revoke-admin", "take the admin role away (never from the last admin)")):
        role = actions.add_parser(action, help=help_text)
        _account_arguments(role)
        add_setting_flags(role)
    passkeys = actions.add_parser("passkeys", help="list an account's passkeys")
    _account_arguments(passkeys)
    add_setting_flags(passkeys)
    remove = actions.add_parser("remove-passkey", help="remove one of an account's passkeys")
    _account_arguments(remove)
    remove.add_argument("passkey_id", type=int, help="the passkey's id (see `users passkeys`)")
    add_setting_flags(remove)
    for action, (help_text, _, _) in _ACCOUNT_ACTS.items():
        act = actions.add_parser(action, help=help_text)
        _account_arguments(act)
        if action == "reset-factors":
            act.add_argument("--passkeys", action="store_true",
                             help="remove the account's passkeys too")
        add_setting_flags(act)
    users.set_defaults(run=run)


def _account_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("account", nargs="?", help="its username or email (an id: --id N)")
    parser.add_argument("--id", type=int, dest="user_id", metavar="N", help="its id")
    parser.add_argument("--username", help="its username (even one made of digits)")


def _reference(action: str, args) -> tuple[str | None, int | None] | int:
    """(word, id) naming the account, or the exit status of a refusal: a bare word made
    of digits could be an id or a username, so it is refused rather than guessed."""
    given = [value for value in (args.account, args.user_id, args.username) if value is not None]
    if len(given) != 1:
        return _fail(action, "name the account once: its username or email, or --id N", 2)
    if args.account is not None and args.account.strip().isdigit():
        word = escaped(args.account)
        return _fail(action, f"{word!r} could be an id or a username: say --id "
                             f"{int(args.account)} or --username {word}", 2)
    return (args.account or args.username, args.user_id)


async def _found(ctx, action: str, args):
    """The account the arguments name, or the exit status of a refusal."""
    reference = _reference(action, args)
    if isinstance(reference, int):
        return reference
    word, user_id = reference
    user = await accounts.find(ctx, word, user_id=user_id)
    if user is None:
        named = f"the id {user_id}" if user_id is not None else f"the name {escaped(word or '')!r}"
        return _fail(action, f"no account has {named}")
    return user


def run(settings, args: argparse.Namespace) -> int:
    return asyncio.run(_ACTIONS[args.action](settings, args))


def _fail(action: str, message: str, status: int = 1) -> int:
    say(f"users {action}: {message}", err=True)
    return status


def _requests(args) -> list[SignupRequest] | str:
    """The sign-ups asked for, or what is wrong with the arguments."""
    if args.count is not None:
        if args.count < 1:
            return "--count must be at least 1"
        if not args.out:
            return "--count needs --out FILE, or nobody would ever see the passwords"
        return [
            SignupRequest(
                username=f"{args.prefix}{number}",
                email=f"{args.prefix}{number}@example.com",
                password=secrets.token_urlsafe(12),
            )
            for number in range(args.count)
        ]
    if not (args.username and args.email and args.password_stdin):
        return "give --username, --email and --password-stdin, or --count with --out"
    password = sys.stdin.readline().rstrip("\n")
    return [SignupRequest(username=args.username, email=args.email, password=password)]


async def _sign_up_all(ctx, requests: list[SignupRequest], caller, *, verified: bool
                       ) -> list[int]:
    """Each through the sign-up service; a verified one at once, so that its code mail is
    withdrawn before any mail worker sends it."""
    gate = asyncio.Semaphore(BULK_CONCURRENCY)

    async def one(request: SignupRequest) -> int:
        async with gate:
            user_id = (await signup(ctx, request, caller)).user_id
            if verified:
                await accounts.mark_verified(ctx, [user_id])
            return user_id

    return list(await asyncio.gather(*(one(request) for request in requests)))


async def _create(settings, args) -> int:
    try:
        requests = _requests(args)
    except ValidationError as exc:
        return _fail("create", describe(exc).message)
    if isinstance(requests, str):
        return _fail("create", requests, 2)
    verified = args.verified or args.count is not None
    caller = operator_caller("users create")
    async with operator_context(settings, mail_sender(settings)) as ctx:
        taken = await accounts.taken(ctx, (r.username for r in requests),
                                     (r.email for r in requests))
        if taken:
            names = ", ".join(f"{value} ({field})" for value, field in taken)
            return _fail("create", f"already taken, nothing created: {names}")
        try:
            user_ids = await _sign_up_all(ctx, requests, caller, verified=verified)
        except ServiceError as error:
            return _fail("create", error.message)
        if args.admin:
            await accounts.set_role(ctx, user_ids, "admin")
        for user_id in user_ids:
            user = await accounts.find(ctx, str(user_id))
            if verified:
                await audit.record(ctx, "verified_by_operator", caller, user=user)
            if args.admin:
                await audit.record(ctx, "admin_granted", caller, user=user)
    if args.out:
        await asyncio.to_thread(_write_credentials, args.out, requests)
    say(f"created {len(requests)} account(s)" + (" with the admin role" if args.admin else ""))
    if not verified:
        how = "printed above" if settings.mail_to_console else f"mailed to {requests[0].email}"
        say(f"its 6-digit code was {how}; the account can log in once it is verified")
    return 0


def _write_credentials(path: str, requests: list[SignupRequest]) -> None:
    """Passwords in clear: the file is readable by its owner only, from its first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    with open(descriptor, "w", newline="") as handle:
        writer = csv.writer(handle)
        for request in requests:
            writer.writerow([request.username, request.email, request.password])


def _as_dict(user) -> dict:
    return {
        "id": user.id, "username": user.username, "email": user.email,
        "verified": user.is_verified, "role": user.role,
        "created_at": timestamp(user.created_at, iso=True),
    }


async def _list(settings, args) -> int:
    """Page by page through the admin page's own listing, so neither memory nor any one
    query grows with the table."""
    if args.limit is not None and args.limit < 1:
        return _fail("list", "--limit must be at least 1", 2)
    left = args.limit
    try:
        request = AdminListRequest(query=args.query, cursor=args.cursor, limit=PAGE_ROWS)
    except ValidationError as exc:
        return _fail("list", describe(exc).message, 2)
    async with operator_context(settings) as ctx:
        while left is None or left > 0:
            if left is not None:
                request = request.model_copy(update={"limit": min(left, PAGE_ROWS)})
            page = await directory.users_page(ctx, request)
            for user in page.users:
                if args.json:
                    say_json(_as_dict(user))
                else:
                    _say_line(user)
            if left is not None:
                left -= len(page.users)
            if page.next_cursor is None:
                return 0
            request = request.model_copy(update={"cursor": page.next_cursor})
    say(f"more after: --cursor {request.cursor}", err=True)
    return 0


def _say_line(user) -> None:
    state = "verified" if user.is_verified else "unverified"
    say_row(user.id, user.username, user.email, state, user.role, timestamp(user.created_at))


async def _delete(settings, args) -> int:
    async with operator_context(settings) as ctx:
        user = await _found(ctx, "delete", args)
        if isinstance(user, int):
            return user
        await admin_acts.delete(ctx, user)
        await audit.record(ctx, "account_deleted", operator_caller("users delete"), user=user)
    say(f"deleted {user.username} <{user.email}> (id {user.id})")
    return 0


def _role_change(action: str, change, event: str, done: str, unchanged: str):
    """`users grant-admin` or `users revoke-admin`: the account by name, address or id
    (or `--id N`); the last admin keeps the role."""

    async def run_role_change(settings, args) -> int:
        async with operator_context(settings) as ctx:
            user = await _found(ctx, action, args)
            if isinstance(user, int):
                return user
            try:
                changed = await change(ctx, user)
            except ServiceError as error:
                return _fail(action, error.message)
            if changed:
                await audit.record(ctx, event, operator_caller(f"users {action}"), user=user)
        say((done if changed else unchanged).format(name=user.username))
        return 0

    return run_role_change


async def _passkeys(settings, args) -> int:
    async with operator_context(settings) as ctx:
        user = await _found(ctx, "passkeys", args)
        if isinstance(user, int):
            return user
        passkeys = await listed_passkeys(ctx, user.id)
    for passkey in passkeys:
        used = timestamp(passkey.last_used_at) if passkey.last_used_at else "never used"
        say_row(passkey.id, passkey.name, timestamp(passkey.created_at), used)
    if not passkeys:
        say(f"{user.username} has no passkey", err=True)
    return 0


async def _remove_passkey(settings, args) -> int:
    async with operator_context(settings) as ctx:
        user = await _found(ctx, "remove-passkey", args)
        if isinstance(user, int):
            return user
        if not await remove_passkey_of(ctx, user.id, args.passkey_id):
            return _fail("remove-passkey",
                         f"{user.username} has no passkey with the id {args.passkey_id}")
        await audit.record(ctx, "admin_remove_passkey", operator_caller("users remove-passkey"),
                           user=user, detail=f"passkey {args.passkey_id}")
    say(f"removed passkey {args.passkey_id} of {user.username}")
    return 0


async def _disable(ctx, user, args) -> str:
    ended = await admin_acts.disable(ctx, user)
    return f"{user.username} is disabled: login is refused; {ended} session(s) ended"


async def _enable(ctx, user, args) -> str:
    await admin_acts.enable(ctx, user)
    return f"{user.username} is enabled: they can log in again"


async def _verify(ctx, user, args) -> str:
    await admin_acts.verify(ctx, user)
    return f"the address of {user.username} counts as verified"


async def _end_sessions(ctx, user, args) -> str:
    ended = await admin_acts.end_sessions(ctx, user)
    return f"ended {ended} session(s) of {user.username}"


async def _unverify(ctx, user, args) -> str:
    await admin_acts.unverify(ctx, user)
    return (f"the address of {user.username} counts as unverified: a new code proves it "
            "before the next login")


async def _reset_factors(ctx, user, args) -> str:
    passkeys = args.passkeys
    if await admin_acts.reset_second_factors(ctx, user, passkeys=passkeys):
        removed = " and their passkeys are removed" if passkeys else ""
        return f"two-step login of {user.username} is off{removed}; they were mailed a notice"
    return f"{user.username} had no second factor{' or passkey' if passkeys else ''}"


# The admin page's acts, from the shell: action -> (help, act, audit event). Each is
# audited under the admin API's event, naming the operator's OS user instead of an admin.
_ACCOUNT_ACTS = {
    "disable": ("refuse an account's logins and end its sessions", _disable,
                "admin_disable_user"),
    "enable": ("let a disabled account log in again", _enable, "admin_enable_user"),
    "verify": ("mark an account's address verified", _verify, "admin_verify_user"),
    "unverify": ("mark an account's address unverified (proved again before its next login)",
                 _unverify, "admin_unverify_user"),
    "end-sessions": ("end every session of an account", _end_sessions, "admin_end_sessions"),
    "reset-factors": ("turn off an account's two-step login (lost phone and codes)",
                      _reset_factors, "admin_reset_second_factors"),
}


def _account_act(action: str):
    _, act, event = _ACCOUNT_ACTS[action]

    async def run_act(settings, args) -> int:
        async with operator_context(settings) as ctx:
            user = await _found(ctx, action, args)
            if isinstance(user, int):
                return user
            said = await act(ctx, user, args)
            await audit.record(ctx, event, operator_caller(f"users {action}"), user=user)
        say(said)
        return 0

    return run_act


_ACTIONS = {
    "create": _create,
    "list": _list,
    "delete": _delete,
    "grant-admin": _role_change("grant-admin", roles.grant, "admin_granted",
                                "{name} is now an admin", "{name} is an admin already"),
    "revoke-admin": _role_change("revoke-admin", roles.revoke, "admin_revoked",
                                 "{name} is no longer an admin", "{name} was not an admin"),
    "passkeys": _passkeys,
    "remove-passkey": _remove_passkey,
    **{action: _account_act(action) for action in _ACCOUNT_ACTS},
}
