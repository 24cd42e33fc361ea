"""`authserver providers add|list|show|update|remove`: the outside OpenID Providers people
may sign in with ("Continue with ..."), managed from the shell and audited under the
operator's OS user. The client secret is read from standard input (never a flag, which
the process list and shell history would keep) and stored sealed with SECRET_KEY."""

import argparse
import asyncio
import sys

from authserver.errors import ServiceError
from authserver.operator.output import say, say_json, say_row
from authserver.services.operator.context import operator_caller, operator_context
from authserver.services.providers import registry
from authserver.services.providers.registry import ProviderSpec

TRUST_EMAIL_HELP = (
    "DANGEROUS: link a sign-in to the local account holding the same address when the "
    "provider says it is verified, without that account's password. Anyone who can get "
    "that address verified at the provider (a reassigned mailbox, a provider that does "
    "not really verify, an admin of a tenant there) takes the account over. Only for a "
    "provider that owns the addresses it vouches for, such as your company's own IdP.")


def add_commands(commands, add_setting_flags) -> None:
    group = commands.add_parser("providers", help="outside OpenID Providers to sign in with")
    actions = group.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a provider (its client secret on stdin)")
    _spec_flags(add, adding=True)
    add.add_argument("--json", action="store_true", help="print one JSON object")
    add_setting_flags(add)
    listing = actions.add_parser("list", help="list the providers")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(read_only=True)
    add_setting_flags(listing)
    show = actions.add_parser("show", help="show one provider")
    show.add_argument("provider")
    show.add_argument("--json", action="store_true")
    show.set_defaults(read_only=True)
    add_setting_flags(show)
    update = actions.add_parser("update", help="change a provider (given flags only)")
    update.add_argument("provider")
    _spec_flags(update, adding=False)
    update.add_argument("--json", action="store_true")
    add_setting_flags(update)
    remove = actions.add_parser("remove", help="remove a provider and its accounts' links")
    remove.add_argument("provider")
    add_setting_flags(remove)
    group.set_defaults(run=run)


def _spec_flags(parser: argparse.ArgumentParser, *, adding: bool) -> None:
    parser.add_argument("--name", required=adding,
                        help="lower-case letters, digits and dashes; part of its URLs")
    parser.add_argument("--issuer", required=adding,
                        help="its issuer URL (discovery is read from it)")
    parser.add_argument("--client-id", required=adding, help="our client id at the provider")
    parser.add_argument("--client-secret-stdin", action="store_true", required=adding,
                        help="read our client secret from standard input")
    parser.add_argument("--scope", action="append", dest="scopes",
                        help="a scope to ask for (repeat; default: openid email profile)")
    parser.add_argument("--button-label", help="the login button's words "
                        "(default: Continue with NAME)")
    signup = parser.add_mutually_exclusive_group()
    signup.add_argument("--allow-signup", action="store_true", default=None,
                        help="a new identity with a verified address makes an account "
                        "(the default)")
    signup.add_argument("--no-allow-signup", action="store_false", dest="allow_signup",
                        help="only identities already linked sign in")
    email = parser.add_mutually_exclusive_group()
    email.add_argument("--trust-email", action="store_true", default=None,
                       help=TRUST_EMAIL_HELP)
    if not adding:
        email.add_argument("--no-trust-email", action="store_false", dest="trust_email")
    amr = parser.add_mutually_exclusive_group()
    amr.add_argument("--trust-amr", action="store_true", default=None,
                     help="the provider's amr naming a second factor stands for ours "
                     "(none of the account's second factors asked after it)")
    if not adding:
        amr.add_argument("--no-trust-amr", action="store_false", dest="trust_amr")


def _spec(args) -> ProviderSpec:
    secret = sys.stdin.read().strip() if args.client_secret_stdin else None
    return ProviderSpec(
        name=args.name, issuer=args.issuer, client_id=args.client_id, client_secret=secret,
        scopes=args.scopes, button_label=args.button_label, allow_signup=args.allow_signup,
        trust_email=args.trust_email, trust_amr=args.trust_amr)


def run(settings, args: argparse.Namespace) -> int:
    return asyncio.run(_ACTIONS[args.action](settings, args))


def _fail(action: str, message: str, status: int = 1) -> int:
    say(f"providers {action}: {message}", err=True)
    return status


def _print(provider: registry.Provider, as_json: bool) -> None:
    shown = provider.shown()
    if as_json:
        say_json(shown)
        return
    for name, value in shown.items():
        say(f"{name}: {' '.join(value) if isinstance(value, list) else value}")


async def _add(settings, args) -> int:
    spec = _spec(args)
    async with operator_context(settings) as ctx:
        try:
            provider = await registry.add(ctx, spec, operator_caller("providers add"))
        except ServiceError as error:
            return _fail("add", error.message, 2)
    _print(provider, args.json)
    if provider.trust_email and not args.json:
        say("warning: --trust-email links accounts by address alone; see --help")
    return 0


async def _list(settings, args) -> int:
    async with operator_context(settings) as ctx:
        found = await registry.listed(ctx)
    for provider in found:
        if args.json:
            say_json(provider.shown())
        else:
            say_row(provider.name, provider.issuer, provider.button_label)
    return 0


async def _show(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            provider = await registry.show(ctx, args.provider)
        except ServiceError as error:
            return _fail("show", error.message)
    _print(provider, args.json)
    return 0


async def _update(settings, args) -> int:
    spec = _spec(args)
    async with operator_context(settings) as ctx:
        try:
            provider = await registry.update(ctx, args.provider, spec,
                                             operator_caller("providers update"))
        except ServiceError as error:
            return _fail("update", error.message, 2 if error.status.http_status == 400 else 1)
    _print(provider, args.json)
    return 0


async def _remove(settings, args) -> int:
    async with operator_context(settings) as ctx:
        try:
            await registry.remove(ctx, args.provider, operator_caller("providers remove"))
        except ServiceError as error:
            return _fail("remove", error.message)
    say(f"removed provider {args.provider}: its links no longer sign anyone in")
    return 0


_ACTIONS = {"add": _add, "list": _list, "show": _show, "update": _update, "remove": _remove}
