"""`authserver providers add|list|show|update|remove`: the outside OpenID Providers people
may sign in with ("Continue with ..."), managed from the shell and audited under the
operator's OS user. The client secret is read from standard input (never a flag, which
the process list and shell history would keep) and stored sealed with SECRET_KEY."""

import argparse
import sys

from authserver.operator.managed import (
    Command,
    bad_input_or_missing,
    operate,
    print_listed,
    print_record,
)
from authserver.operator.output import say
from authserver.services.operator.context import operator_caller
from authserver.services.providers import registry
from authserver.services.providers.registry import ProviderSpec

TRUST_EMAIL_HELP = (
    "DANGEROUS: link a sign-in to the local account holding the same address when the "
    "provider says it is verified, without that account's password. Anyone who can get "
    "that address verified at the provider (a reassigned mailbox, a provider that does "
    "not really verify, an admin of a tenant there) takes the account over. Only for a "
    "provider that owns the addresses it vouches for, such as your company's own IdP.")


def add_commands(commands, add_setting_flags) -> None:
    group = Command(commands, add_setting_flags, "providers",
                    "outside OpenID Providers to sign in with", _ACTIONS)
    group.action("add", "add a provider (its client secret on stdin)",
                 flags=lambda parser: _spec_flags(parser, adding=True),
                 json_flag="print one JSON object")
    group.action("list", "list the providers", json_flag="one JSON object per line",
                 read_only=True)
    group.action("show", "show one provider", key="provider", json_flag=True, read_only=True)
    group.action("update", "change a provider (given flags only)", key="provider",
                 flags=lambda parser: _spec_flags(parser, adding=False), json_flag=True)
    group.action("remove", "remove a provider and its accounts' links", key="provider")


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


async def _add(settings, args) -> int:
    spec = _spec(args)
    provider = await operate(
        settings, lambda ctx: registry.add(ctx, spec, operator_caller("providers add")), status=2)
    print_record(provider.shown(), args.json)
    if provider.trust_email and not args.json:
        say("warning: --trust-email links accounts by address alone; see --help")
    return 0


async def _list(settings, args) -> int:
    return await print_listed(
        settings, registry.listed, args.json,
        lambda provider: (provider.name, provider.issuer, provider.button_label))


async def _show(settings, args) -> int:
    provider = await operate(settings, lambda ctx: registry.show(ctx, args.provider))
    print_record(provider.shown(), args.json)
    return 0


async def _update(settings, args) -> int:
    spec = _spec(args)
    provider = await operate(
        settings, lambda ctx: registry.update(ctx, args.provider, spec,
                                              operator_caller("providers update")),
        status=bad_input_or_missing)
    print_record(provider.shown(), args.json)
    return 0


async def _remove(settings, args) -> int:
    await operate(settings, lambda ctx: registry.remove(ctx, args.provider,
                                                        operator_caller("providers remove")))
    say(f"removed provider {args.provider}: its links no longer sign anyone in")
    return 0


_ACTIONS = {"add": _add, "list": _list, "show": _show, "update": _update, "remove": _remove}
