"""`authserver users create|list|delete`: accounts managed from the shell.

`create --count N --prefix P --out FILE` makes N verified accounts at once and writes
`username,email,password` lines, for load tests.
"""

import argparse
import asyncio
import csv
import os
import secrets
import sys

from peewee import IntegrityError
from pydantic import ValidationError

from authserver.errors import describe
from authserver.security.lookalikes import skeleton
from authserver.security.passwords import PasswordHasher
from authserver.store.database import Store
from authserver.store.models import User, database_proxy
from contracts.fields import lookup_key
from contracts.messages import SignupRequest


def add_commands(commands, add_setting_flags) -> None:
    users = commands.add_parser("users", help="create, list or delete accounts")
    actions = users.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create accounts")
    create.add_argument("--username")
    create.add_argument("--email")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.add_argument("--verified", action="store_true", help="mark the email verified")
    create.add_argument("--count", type=int, help="create this many accounts")
    create.add_argument("--prefix", default="load", help="username prefix with --count")
    create.add_argument("--out", help="with --count: write username,email,password lines here")
    add_setting_flags(create)
    listing = actions.add_parser("list", help="list accounts")
    add_setting_flags(listing)
    delete = actions.add_parser("delete", help="delete an account")
    delete.add_argument("--username", required=True)
    add_setting_flags(delete)
    users.set_defaults(run=run)


def run(settings, args: argparse.Namespace) -> int:
    return asyncio.run(_ACTIONS[args.action](settings, args))


def _insert(rows: list[dict]) -> None:
    with database_proxy.obj.atomic():
        User.insert_many(rows).execute()


def _row(request: SignupRequest, password_hash: str, verified: bool) -> dict:
    return {
        "username": request.username,
        "username_key": lookup_key(request.username),
        "email": request.email,
        "email_key": lookup_key(request.email),
        "username_skeleton": skeleton(request.username),
        "password_hash": password_hash,
        "is_verified": verified,
    }


async def _create(settings, args) -> int:
    store = Store(settings.database_url)
    hasher = PasswordHasher(settings.bcrypt_rounds)
    try:
        if args.count:
            requests = [
                SignupRequest(
                    username=f"{args.prefix}{number}",
                    email=f"{args.prefix}{number}@example.com",
                    password=secrets.token_urlsafe(12),
                )
                for number in range(args.count)
            ]
        else:
            if not (args.username and args.email and args.password_stdin):
                print("users create: give --username, --email and --password-stdin, or --count",
                      file=sys.stderr)
                return 2
            password = sys.stdin.readline().rstrip("\n")
            requests = [SignupRequest(username=args.username, email=args.email, password=password)]
        hashes = await asyncio.gather(*(hasher.hash(request.password) for request in requests))
        verified = args.verified or bool(args.count)
        rows = [_row(r, h, verified) for r, h in zip(requests, hashes, strict=True)]
        await store.run(_insert, rows)
    except ValidationError as exc:
        print(f"users create: {describe(exc).message}", file=sys.stderr)
        return 1
    except IntegrityError:
        print("users create: that username or email is already taken", file=sys.stderr)
        return 1
    finally:
        hasher.close()
        await store.close()
    if args.out:
        await asyncio.to_thread(_write_credentials, args.out, requests)
    print(f"created {len(requests)} account(s)")
    return 0


def _write_credentials(path: str, requests: list[SignupRequest]) -> None:
    """Passwords in clear: the file is readable by its owner only, from its first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    with open(descriptor, "w", newline="") as handle:
        writer = csv.writer(handle)
        for request in requests:
            writer.writerow([request.username, request.email, request.password])


def _all_users() -> list[User]:
    return list(User.select().order_by(User.id))


async def _list(settings, args) -> int:
    store = Store(settings.database_url)
    try:
        users = await store.run(_all_users)
    finally:
        await store.close()
    for user in users:
        state = "verified" if user.is_verified else "unverified"
        created = f"{user.created_at:%Y-%m-%d %H:%M}"
        print(f"{user.id}\t{user.username}\t{user.email}\t{state}\t{created}")
    return 0


def _delete(username: str) -> int:
    return User.delete().where(User.username_key == lookup_key(username)).execute()


async def _delete_user(settings, args) -> int:
    store = Store(settings.database_url)
    try:
        deleted = await store.run(_delete, args.username)
    finally:
        await store.close()
    if not deleted:
        print(f"users delete: no user called {args.username}", file=sys.stderr)
        return 1
    print(f"deleted {args.username}")
    return 0


_ACTIONS = {"create": _create, "list": _list, "delete": _delete_user}
