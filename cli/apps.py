"""The apps this account signed in to: `apps` lists them (scopes, last use), `apps revoke
CLIENT_ID` removes one (its tokens stop working, and it is told)."""

import argparse

from cli.context import Context
from cli.errors import UsageError
from cli.framework import Asker, Option, Outcome, info, model, ok
from cli.times import day_and_time
from contracts import service as calls
from contracts.messages import AppList, Notice, RevokeAppRequest

ACTION = Option("action", "'revoke' to remove an app's access (nothing: list the apps)",
                "Action")
CLIENT_ID = Option("client_id", "the app's client id, as 'apps' lists it", "Client id")
OPTIONS = (ACTION, CLIENT_ID)


async def apps(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    if args.action is None:
        listing: AppList = await ctx.signed_in(calls.LIST_APPS)
        if not listing.apps:
            return Outcome(listing, [info("No app holds access to your account.")])
        lines = []
        for app in listing.apps:
            used = day_and_time(app.last_used_at) if app.last_used_at else "never"
            offline = ", offline access" if app.offline_access else ""
            lines += [info(f"  {app.name}  ({app.client_id})"),
                      info(f"      sees: {' '.join(app.scopes)}{offline}; last used {used}")]
        lines.append(info(f"Remove one: {ctx.hint('apps revoke CLIENT_ID')}"))
        return Outcome(listing, lines)
    if args.action != "revoke":
        raise UsageError(f"apps: unknown action {args.action!r} (only 'revoke')")
    if args.client_id is None:
        if not ctx.interactive:
            raise UsageError("apps revoke: give the app's client id ('apps' lists them)")
        args.client_id = await ask.text(CLIENT_ID.label)
    reply: Notice = await ctx.signed_in(
        calls.REVOKE_APP, model(RevokeAppRequest, client_id=args.client_id))
    return Outcome(reply, [ok(reply.message)])
