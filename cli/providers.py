"""Outside OpenID Providers of the account: `providers` lists the linked ones (and those
it may link, in a browser: signing in there happens on the provider's own pages), and
`unlink NAME` removes one, unless it is the account's last way in."""

import argparse

from cli.context import Context
from cli.framework import Asker, Option, Outcome, info, model, ok, value
from contracts import service as calls
from contracts.messages import LinkedProviders, Notice, UnlinkProviderRequest

PROVIDER = Option("provider", "the provider's name, as 'providers' lists it", "Provider")


async def providers(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    listing: LinkedProviders = await ctx.signed_in(calls.LIST_PROVIDERS)
    lines = [info(f"  {link.provider:<16}{link.label}  ({link.email or 'no address'}, "
                  f"linked {link.linked_at[:10]})") for link in listing.linked]
    if not listing.linked:
        lines.append(info("No provider is linked to this account."))
    if listing.available:
        names = ", ".join(button.name for button in listing.available)
        lines.append(info(f"Link one in a browser (Account page): {names}"))
    if not listing.has_password:
        lines.append(info("This account has no password: "
                          f"{ctx.hint('forgot --email ADDRESS')} sets one."))
    return Outcome(listing, lines)


async def unlink(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    request = model(UnlinkProviderRequest, provider=await value(ctx, args, ask, PROVIDER))
    reply: Notice = await ctx.signed_in(calls.UNLINK_PROVIDER, request)
    return Outcome(reply, [ok(reply.message)])
