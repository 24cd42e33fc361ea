"""`authserver clients create|list|show|update|rotate-secret|delete` and
`authserver keys list|rotate`: the apps that sign people in with us, and the keys that
sign their tokens, managed from the shell. Every change is audited under the operator's
OS user. A client's secret is printed once, at creation or rotation, and never again.
"""

import argparse
from datetime import UTC, datetime

from authserver.operator.managed import (
    Command,
    bad_input_or_missing,
    operate,
    print_listed,
    print_record,
)
from authserver.operator.output import say, say_json, say_row, timestamp
from authserver.services.oauth import clients, keys
from authserver.services.oauth.clients import GRANT_TYPES, SCOPES, ClientSpec
from authserver.services.operator.context import operator_caller, operator_context


def add_commands(commands, add_setting_flags) -> None:
    group = Command(commands, add_setting_flags, "clients",
                    "register and manage apps (OpenID clients)", _ACTIONS)
    group.action("create", "register an app; prints its secret once",
                 flags=lambda parser: _spec_flags(parser, creating=True),
                 json_flag="print one JSON object")
    group.action("list", "list the apps", json_flag="one JSON object per line", read_only=True)
    group.action("show", "show one app", key="client_id", json_flag=True, read_only=True)
    group.action("update", "change an app (lists given replace the old)", key="client_id",
                 flags=lambda parser: _spec_flags(parser, creating=False), json_flag=True)
    group.action("rotate-secret", "a new secret; the old stops working", key="client_id",
                 json_flag=True)
    group.action("delete", "remove an app with its grants and tokens", key="client_id")

    key_group = Command(commands, add_setting_flags, "keys",
                        "the keys that sign ID and access tokens", _KEY_ACTIONS)
    key_group.action("list", "list the signing keys", json_flag="one JSON object per line",
                     read_only=True)
    key_group.action("rotate",
                     "publish a new key now; it signs after OIDC_KEY_PUBLISH_SECONDS")


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


def _print_client(client: clients.Client, as_json: bool, secret: str | None = None,
                  with_secret: bool = False) -> None:
    shown = client.shown()
    if with_secret:
        shown["client_secret"] = secret
    print_record(shown, as_json)
    if with_secret and secret and not as_json:
        say("the secret is shown this once: keep it in the app's configuration")


async def _create(settings, args) -> int:
    client, secret = await operate(
        settings, lambda ctx: clients.create(ctx, _spec(args), operator_caller("clients create")),
        status=2)
    _print_client(client, args.json, secret, with_secret=True)
    return 0


def _row(client: clients.Client) -> tuple:
    kind = "public" if client.public else "confidential"
    party = "first-party" if client.first_party else "third-party"
    return client.client_id, client.name, kind, party, " ".join(client.grant_types)


async def _list(settings, args) -> int:
    return await print_listed(settings, clients.listed, args.json, _row)


async def _show(settings, args) -> int:
    client = await operate(settings, lambda ctx: clients.show(ctx, args.client_id))
    _print_client(client, args.json)
    return 0


async def _update(settings, args) -> int:
    client = await operate(
        settings, lambda ctx: clients.update(ctx, args.client_id, _spec(args),
                                             operator_caller("clients update")),
        status=bad_input_or_missing)
    _print_client(client, args.json)
    return 0


async def _rotate(settings, args) -> int:
    secret = await operate(settings, lambda ctx: clients.rotate_secret(
        ctx, args.client_id, operator_caller("clients rotate-secret")))
    if args.json:
        say_json({"client_id": args.client_id, "client_secret": secret})
    else:
        say(f"client_secret: {secret}")
        say("the old secret no longer works; this one is shown this once")
    return 0


async def _delete(settings, args) -> int:
    await operate(settings, lambda ctx: clients.delete(ctx, args.client_id,
                                                       operator_caller("clients delete")))
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
