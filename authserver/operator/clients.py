"""`authserver clients create|list|show|update|rotate-secret|delete` and
`authserver keys list|rotate`: the apps that sign people in with us, and the keys that
sign their tokens, managed from the shell. Every change is audited under the operator's
OS user. A client's secret is printed once, at creation or rotation, and never again.
"""

import argparse
import asyncio
from datetime import UTC, datetime

from authserver.errors import ServiceError
from authserver.operator.output import say, say_json, say_row, timestamp
from authserver.services.oauth import clients, keys
from authserver.services.oauth.clients import GRANT_TYPES, SCOPES, ClientSpec
from authserver.services.operator.context import operator_caller, operator_context


def add_commands(commands, add_setting_flags) -> None:
    group = commands.add_parser("clients", help="register and manage apps (OpenID clients)")
    actions = group.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="register an app; prints its secret once")
    _spec_flags(create, creating=True)
    create.add_argument("--json", action="store_true", help="print one JSON object")
    add_setting_flags(create)
    listing = actions.add_parser("list", help="list the apps")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(read_only=True)
    add_setting_flags(listing)
    show = actions.add_parser("show", help="show one app")
    show.add_argument("client_id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(read_only=True)
    add_setting_flags(show)
    update = actions.add_parser("update", help="change an app (lists given replace the old)")
    update.add_argument("client_id")
    _spec_flags(update, creating=False)
    update.add_argument("--json", action="store_true")
    add_setting_flags(update)
    rotate = actions.add_parser("rotate-secret", help="a new secret; the old stops working")
    rotate.add_argument("client_id")
    rotate.add_argument("--json", action="store_true")
    add_setting_flags(rotate)
    delete = actions.add_parser("delete", help="remove an app with its grants and tokens")
    delete.add_argument("client_id")
    add_setting_flags(delete)
    group.set_defaults(run=run)

    key_group = commands.add_parser("keys", help="the keys that sign ID and access tokens")
    key_actions = key_group.add_subparsers(dest="action", required=True)
    key_list = key_actions.add_parser("list", help="list the signing keys")
    key_list.add_argument("--json", action="store_true", help="one JSON object per line")
    key_list.set_defaults(read_only=True)
    add_setting_flags(key_list)
    key_rotate = key_actions.add_parser(
        "rotate", help="publish a new key now; it signs after OIDC_KEY_PUBLISH_SECONDS")
    add_setting_flags(key_rotate)
    key_group.set_defaults(run=run_keys)


def _spec_flags(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    parser.add_argument("--name", required=creating)
    parser.add_argument("--redirect-uri", action="append", dest="redirect_uris",
                        required=creating, help="exact redirect URI (repeat for more)")
    parser.add_argument("--post-logout-redirect-uri", action="append",
                        dest="post_logout_redirect_uris")
    parser.add_argument("--backchannel-logout-uri")
    public = parser.add_mutually_exclusive_group()
    public.add_argument("--public", action="store_true", default=None,
                        help="no secret (a browser or native app; PKCE only)")
    if not creating:
        public.add_argument("--confidential", action="store_false", dest="public")
    party = parser.add_mutually_exclusive_group()
    party.add_argument("--first-party", action="store_true", default=None,
                       help="ours: no consent page")
    if not creating:
        party.add_argument("--third-party", action="store_false", dest="first_party")
    parser.add_argument("--grant", action="append", dest="grant_types", choices=GRANT_TYPES,
                        help="a grant type it may use (repeat; default: authorization_code "
                        "and refresh_token)")
    parser.add_argument("--scope", action="append", dest="scopes", choices=SCOPES,
                        help="a scope it may ask for (repeat; default: openid profile email)")
    for name in ("access-token-seconds", "refresh-token-seconds", "id-token-seconds"):
        parser.add_argument(f"--{name}", type=int, help="override the server's default")


def _spec(args) -> ClientSpec:
    return ClientSpec(
        name=args.name, redirect_uris=args.redirect_uris,
        post_logout_redirect_uris=args.post_logout_redirect_uris,
        backchannel_logout_uri=args.backchannel_logout_uri, public=args.public,
        first_party=args.first_party, grant_types=args.grant_types, scopes=args.scopes,
        access_token_seconds=args.access_token_seconds,
        refresh_token_seconds=args.refresh_token_seconds,
        id_token_seconds=args.id_token_seconds)


def run(settings, args: argparse.Namespace) -> int:
    return asyncio.run(_ACTIONS[args.action](settings, args))


def run_keys(settings, args: argparse.Namespace) -> int:
    return asyncio.run(_KEY_ACTIONS[args.action](settings, args))


def _fail(action: str, message: str, status: int = 1) -> int:
    say(f"clients {action}: {message}", err=True)
    return status


def _print_client(client: clients.Client, as_json: bool, secret: str | None = None,
                  with_secret: bool = False) -> None:
    shown = client.shown()
    if with_secret:
        shown["client_secret"] = secret
    if as_json:
        say_json(shown)
        return
    for name, value in shown.items():
        if isinstance(value, list):
            value = " ".join(value) or "-"
        say(f"{name}: {'-' if value is None else value}")
    if with_secret and secret:
        say("the secret is shown this once: keep it in the app's configuration")


async def _create(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            client, secret = await clients.create(ctx, _spec(args),
                                                  operator_caller("clients create"))
        except ServiceError as error:
            return _fail("create", error.message, 2)
    _print_client(client, args.json, secret, with_secret=True)
    return 0


async def _list(settings, args) -> int:
    async with operator_context(settings) as ctx:
        found = await clients.listed(ctx)
    for client in found:
        if args.json:
            say_json(client.shown())
            continue
        kind = "public" if client.public else "confidential"
        party = "first-party" if client.first_party else "third-party"
        say_row(client.client_id, client.name, kind, party, " ".join(client.grant_types))
    return 0


async def _show(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            client = await clients.show(ctx, args.client_id)
        except ServiceError as error:
            return _fail("show", error.message)
    _print_client(client, args.json)
    return 0


async def _update(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            client = await clients.update(ctx, args.client_id, _spec(args),
                                          operator_caller("clients update"))
        except ServiceError as error:
            return _fail("update", error.message, 2 if error.status.http_status == 400 else 1)
    _print_client(client, args.json)
    return 0


async def _rotate(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            secret = await clients.rotate_secret(ctx, args.client_id,
                                                 operator_caller("clients rotate-secret"))
        except ServiceError as error:
            return _fail("rotate-secret", error.message)
    if args.json:
        say_json({"client_id": args.client_id, "client_secret": secret})
    else:
        say(f"client_secret: {secret}")
        say("the old secret no longer works; this one is shown this once")
    return 0


async def _delete(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            await clients.delete(ctx, args.client_id, operator_caller("clients delete"))
        except ServiceError as error:
            return _fail("delete", error.message)
    say(f"deleted client {args.client_id}: its grants and tokens no longer work")
    return 0


def _key_row(info: keys.KeyInfo) -> dict:
    return {
        "kid": info.kid, "state": info.state(datetime.now(UTC).replace(tzinfo=None)),
        "created_at": timestamp(info.created_at, iso=True),
        "signs_from": timestamp(info.signs_from, iso=True),
        "retired_at": timestamp(info.retired_at, iso=True) if info.retired_at else None,
        "published_until": (timestamp(info.published_until, iso=True)
                            if info.published_until else None),
    }


async def _keys_list(settings, args) -> int:
    async with operator_context(settings) as ctx:
        found = await keys.listed(ctx)
    for info in found:
        row = _key_row(info)
        if args.json:
            say_json(row)
        else:
            say_row(*(row[name] or "-" for name in row))
    return 0


async def _keys_rotate(settings, args) -> int:
    async with operator_context(settings) as ctx:
        info = await keys.rotate(ctx, operator_caller("keys rotate"))
    say(f"published key {info.kid}; it signs from {timestamp(info.signs_from)}")
    return 0


_ACTIONS = {"create": _create, "list": _list, "show": _show, "update": _update,
            "rotate-secret": _rotate, "delete": _delete}
_KEY_ACTIONS = {"list": _keys_list, "rotate": _keys_rotate}
