"""The account's lifecycle: a forgotten password, a new password or address, the
sessions, and leaving.

Every secret comes from a hidden prompt or `--password-stdin` (one a line), never from
the command line, where other users of the machine could read it.
"""

import argparse

from prompt_toolkit.formatted_text import FormattedText

from cli.context import Context
from cli.errors import UsageError
from cli.framework import CODE, EMAIL, Asker, Option, Outcome, info, model, ok, value
from cli.owner_proof import owner_proof
from cli.times import day_and_time
from contracts import service as calls
from contracts.messages import (
    ChangeEmailRequest,
    ChangePasswordRequest,
    ConfirmEmailRequest,
    DeleteAccountRequest,
    ForgotPasswordRequest,
    Notice,
    ResetPasswordReply,
    ResetPasswordRequest,
    RevokeSessionRequest,
    SessionInfo,
    SessionList,
    VerifyEmailRequest,
)

NEW_EMAIL = Option("--new-email", "the address to move the account to; a code is mailed "
                   "there", "New email")
CONFIRM_CODE = Option("--code", "the 6-digit code mailed to the new address", "Code")
EMAIL_CHANGE = (NEW_EMAIL, CONFIRM_CODE)
SESSION_ID = Option("id", "the session's id, as 'sessions' lists it", "Session id", kind=int)
OTHERS = Option("--others", "end every session of the account but this one", kind=bool)
REVOKE = (SESSION_ID, OTHERS)


async def forgot(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(ForgotPasswordRequest, email=await value(ctx, args, ask, EMAIL))
    reply: Notice = await ctx.api.call(calls.FORGOT_PASSWORD, request)
    return Outcome(reply, [
        ok(reply.message),
        info("Next: " + ctx.hint(f"reset --email {request.email} --code <6 digits>"))])


async def reset(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    # The address and code are checked before the new password is asked for.
    checked = model(VerifyEmailRequest, email=await value(ctx, args, ask, EMAIL),
                    code=await value(ctx, args, ask, CODE))
    new_password = await ask.secret("New password", confirm=True)
    reply: ResetPasswordReply = await ctx.api.call(calls.RESET_PASSWORD, model(
        ResetPasswordRequest, email=checked.email, code=checked.code,
        new_password=new_password))
    # What else logs in, so the owner removes what they do not know.
    ways = [info(f"  passkey: {name}") for name in reply.passkeys]
    ways += [info(f"  {factor}") for factor in reply.second_factors]
    return Outcome(reply, [ok(reply.message), *ways, info("Next: " + ctx.hint("login"))])


async def passwd(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    current = await ask.secret("Current password")
    new = await ask.secret("New password", confirm=True)
    reply: Notice = await ctx.signed_in(calls.CHANGE_PASSWORD, model(
        ChangePasswordRequest, current_password=current, new_password=new))
    return Outcome(reply, [ok(reply.message)])


async def email(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    """Two steps under one name: ask for the change (a code goes to the new address),
    then confirm it with that code."""
    ctx.require_session()
    if args.code is not None and args.new_email is not None:
        raise UsageError("email: give --new-email to ask for the change, or --code to "
                         "confirm it, not both")
    if args.code is not None:
        confirmed: Notice = await ctx.signed_in(
            calls.CONFIRM_EMAIL, model(ConfirmEmailRequest, code=args.code))
        return Outcome(confirmed, [ok(confirmed.message)])
    if args.new_email is None and not ctx.interactive:
        raise UsageError("email: give --new-email ADDRESS to ask for the change, then "
                         "--code CODE (from the mail to that address) to confirm it")
    # The address's shape is checked before the password is asked for.
    new_email = model(ForgotPasswordRequest,
                      email=await value(ctx, args, ask, NEW_EMAIL)).email
    proof = await owner_proof(ctx, ask)
    reply: Notice = await ctx.signed_in(calls.CHANGE_EMAIL, model(
        ChangeEmailRequest, new_email=new_email, **proof))
    return Outcome(reply, [
        ok(reply.message),
        info(f"Next: {ctx.hint('email --code <6 digits>')}, with the code sent to "
             f"{new_email}")])


TIME_COLUMN = 19
AGENT_WIDTH = 50


def _session_lines(session: SessionInfo) -> list[FormattedText]:
    """Two lines a session: its id and times, then the client and where it came from
    (a browser's user agent is long: cut so that a session fits 80 columns)."""
    used = day_and_time(session.last_used_at) if session.last_used_at else "-"
    times = "".join(cell.ljust(TIME_COLUMN) for cell in (
        day_and_time(session.created_at), used, day_and_time(session.expires_at)))
    agent = session.user_agent or "unknown client"
    if len(agent) > AGENT_WIDTH:
        agent = agent[:AGENT_WIDTH - 1] + "…"
    client = info(f"       {agent} from {session.ip or 'an unknown address'}")
    if session.current:
        return [FormattedText([("class:ok", "* "), ("bold", f"{session.id:<5}{times}"),
                               ("class:ok", "this session")]), client]
    return [info(f"  {session.id:<5}{times.rstrip()}"), client]


async def sessions(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    listing: SessionList = await ctx.signed_in(calls.LIST_SESSIONS)
    header = "".join(name.ljust(TIME_COLUMN) for name in ("logged in", "last used",
                                                           "expires"))
    lines = [info(f"  {'id':<5}{header.rstrip()}")]
    for session in listing.sessions:
        lines += _session_lines(session)
    lines.append(info(f"End one: {ctx.hint('revoke ID')}; all others: "
                      f"{ctx.hint('revoke --others')}; all: {ctx.hint('logout --all')}"))
    return Outcome(listing, lines)


async def revoke(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    if args.others:
        if args.id is not None:
            raise UsageError("revoke: give a session id or --others, not both")
        others: Notice = await ctx.signed_in(calls.REVOKE_OTHER_SESSIONS)
        return Outcome(others, [ok(others.message)])
    if args.id is None and not ctx.interactive:
        raise UsageError(f"revoke: give a session id ({ctx.hint('sessions')} lists them) "
                         "or --others")
    request = model(RevokeSessionRequest, session_id=await value(ctx, args, ask, SESSION_ID))
    listing: SessionList = await ctx.signed_in(calls.LIST_SESSIONS)
    current = next((s.id for s in listing.sessions if s.current), None)
    reply: Notice = await ctx.signed_in(calls.REVOKE_SESSION, request)
    lines = [ok(reply.message)]
    if request.session_id == current:
        # The token kept here is dead now: forget it rather than fail on the next command.
        ctx.forget()
        lines.append(info("Next: " + ctx.hint("login")))
    return Outcome(reply, lines)


async def delete_account(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    stored = ctx.require_session()
    proof = await owner_proof(ctx, ask, f"Password, to delete {stored.username} for good")
    reply: Notice = await ctx.signed_in(
        calls.DELETE_ACCOUNT, model(DeleteAccountRequest, **proof))
    ctx.forget()
    return Outcome(reply, [ok(reply.message)])
