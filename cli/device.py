"""`device CODE`: let a CLI or TV sign in as this account (RFC 8628's device grant).

The app's name and what it would see are shown first, always. The REPL then asks; a
script approves only with `--yes`, so that one run shows what a code asks for and
approves nothing (a code read off a stranger's screen is the attack this step stops)."""

import argparse

from cli.context import Context
from cli.errors import UsageError
from cli.framework import Asker, Option, Outcome, info, model, ok, value
from contracts import service as calls
from contracts.messages import DeviceCodeRequest, DeviceRequestInfo, Notice

USER_CODE = Option("user_code", "the code the device shows (XXXX-XXXX)", "Code on the device")
YES = Option("--yes", "approve without asking (scripts)", kind=bool)
OPTIONS = (USER_CODE, YES)


def _asks(found: DeviceRequestInfo) -> list:
    return [info(f"{found.name} ({found.client_id}) asks to sign in as you with code "
                 f"{found.user_code}."),
            info(f"It would see: {' '.join(found.scopes)}")]


async def device(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    if args.user_code is None and not ctx.interactive:
        raise UsageError("device: give the code the device shows (authcli device XXXX-XXXX)")
    request = model(DeviceCodeRequest, user_code=await value(ctx, args, ask, USER_CODE))
    found: DeviceRequestInfo = await ctx.signed_in(calls.DEVICE_LOOKUP, request)
    lines = _asks(found)
    if not args.yes:
        if not ctx.interactive:
            lines.append(info("Approve it: " + ctx.hint(f"device {found.user_code} --yes")))
            return Outcome(found, lines)
        answer = await ask.text("\n".join(text for line in lines for _, text, *_ in line)
                                + "\nApprove? (yes/no)")
        if answer.strip().lower() not in ("y", "yes"):
            return Outcome(found, [info("Not approved: the device stays signed out.")])
        lines = []
    reply: Notice = await ctx.signed_in(calls.DEVICE_APPROVE, request)
    return Outcome(reply, [*lines, ok(reply.message)])
