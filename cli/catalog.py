"""The commands of the first version (sign up, verify, log in, chat) and the table of all
commands, which the argument parser, the REPL and its completion are built from."""

import argparse
from datetime import datetime

from prompt_toolkit.formatted_text import FormattedText

from cli import account, apps, device, passkeys, providers, second_factor
from cli.context import Context
from cli.errors import ApiError, UsageError
from cli.framework import (
    CODE,
    EMAIL,
    USERNAME,
    Asker,
    Command,
    Option,
    Outcome,
    info,
    model,
    ok,
    value,
)
from cli.times import clock, moment
from contracts import Status
from contracts import service as calls
from contracts.events import History, HistoryRequest
from contracts.messages import (
    LoginRequest,
    Notice,
    ResendRequest,
    SignupRequest,
    User,
    VerifyEmailRequest,
)

LIMIT = Option("--limit", "how many messages (default 20)", "Limit", kind=int)
BEFORE = Option("--before", "only messages older than this id", "Before id", kind=int)
AFTER = Option("--after", "only messages after this seq, oldest first (what was missed)",
               "After seq", kind=int)
ALL = Option("--all", "log out everywhere: end every session of the account", kind=bool)


async def signup(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    username = await value(ctx, args, ask, USERNAME)
    email = await value(ctx, args, ask, EMAIL)
    password = await ask.secret("Password", confirm=True)
    request = model(SignupRequest, username=username, email=email, password=password)
    reply = await ctx.api.call(calls.SIGNUP, request)
    return Outcome(reply, [
        ok(reply.message),
        info("Next: " + ctx.hint(f"verify --email {request.email} --code <6 digits>"))])


async def verify(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(VerifyEmailRequest, email=await value(ctx, args, ask, EMAIL),
                    code=await value(ctx, args, ask, CODE))
    reply: Notice = await ctx.api.call(calls.VERIFY_EMAIL, request)
    return Outcome(reply, [ok(reply.message), info("Next: " + ctx.hint("login"))])


async def resend(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(ResendRequest, email=await value(ctx, args, ask, EMAIL))
    reply: Notice = await ctx.api.call(calls.RESEND_VERIFICATION, request)
    return Outcome(reply, [ok(reply.message)])


async def login(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    username = await value(ctx, args, ask, USERNAME)
    password = await ask.secret("Password")
    try:
        reply = await ctx.api.call(
            calls.LOGIN, model(LoginRequest, username=username, password=password))
    except ApiError as exc:
        if exc.reply.second_factor is None:
            raise
        reply = await second_factor.finish_login(ctx, exc, args, ask)
    ctx.remember(reply)
    return Outcome(reply, [ok(f"Logged in as {reply.user.username} ({reply.user.email}) "
                              f"until {moment(reply.expires_at)}")], json_exclude={"token"})


async def logout(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    try:
        reply: Notice = await ctx.api.call(calls.LOGOUT_ALL if args.all else calls.LOGOUT)
    except ApiError as exc:
        if exc.code is not Status.UNAUTHENTICATED:
            raise
        reply = Notice(message="The session had already ended.")
    ctx.forget()
    return Outcome(reply, [ok(reply.message)])


async def whoami(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    user: User = await ctx.signed_in(calls.ME)
    state = "verified" if user.is_verified else "not verified"
    return Outcome(user, [info(f"{user.username} <{user.email}> ({state}), id {user.id}, "
                               f"since {user.created_at.astimezone():%Y-%m-%d}")])


async def say(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    text = " ".join(args.text or [])
    if not text.strip():
        raise UsageError("say what? usage: say TEXT")
    async with ctx.channel() as channel:
        ack = await channel.say(text)
    return Outcome(ack, [ok(f"sent (#{ack.id})")])


def chat_line(user: str, text: str, ts: datetime, *, mine: bool = False) -> FormattedText:
    return FormattedText([
        ("class:time", clock(ts) + " "),
        ("class:me" if mine else "class:user", user),
        ("", ": " + text),
    ])


async def history(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    request = model(HistoryRequest, before=args.before, after=args.after,
                    limit=args.limit or 20)
    async with ctx.channel() as channel:
        page: History = await channel.history(request)
    me = ctx.store.load()
    lines = [chat_line(m.user, m.text, m.ts, mine=me is not None and m.user == me.username)
             for m in page.messages]
    if not lines:
        lines.append(info("(no messages)"))
    if page.has_more and page.messages and args.after is not None:
        lines.append(info(f"(newer: {ctx.hint(f'history --after {page.messages[-1].seq}')})"))
    elif page.has_more and page.messages:
        lines.append(info(f"(older: {ctx.hint(f'history --before {page.messages[0].id}')})"))
    return Outcome(page, lines)


async def who(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    async with ctx.channel() as channel:
        online = await channel.who()
    names = ", ".join(online.users) or "nobody"
    return Outcome(online, [info(f"online ({len(online.users)}): {names}")])


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("signup", "create an account; a code is mailed to you", signup,
            (USERNAME, EMAIL), secrets="the password"),
    Command("verify", "prove your email address with the mailed code", verify, (EMAIL, CODE)),
    Command("resend", "mail a new verification code", resend, (EMAIL,)),
    Command("login", "log in and keep the session token for this server", login,
            (USERNAME, second_factor.APP_CODE),
            secrets="the password, then (if the account asks for it and no --code is "
                    "given) the app's code or a recovery code"),
    Command("logout", "end the session, forget its token; --all: everywhere", logout,
            (ALL,)),
    Command("whoami", "show the account of the current session", whoami),
    Command("forgot", "mail a code to reset a forgotten password", account.forgot, (EMAIL,)),
    Command("reset", "set a new password with the mailed reset code", account.reset,
            (EMAIL, CODE), secrets="the new password"),
    Command("passwd", "change your password; your other sessions end", account.passwd,
            secrets="the current password, then the new one"),
    Command("email", "change your address: --new-email asks, --code confirms", account.email,
            account.EMAIL_CHANGE, secrets="the current password"),
    Command("sessions", "list where this account is logged in", account.sessions),
    Command("revoke", "end one of your sessions; --others: all but this one",
            account.revoke, account.REVOKE),
    Command("apps", "list the apps signed in with this account; 'apps revoke CLIENT_ID' "
            "removes one", apps.apps, apps.OPTIONS),
    Command("device", "let a device (a CLI, a TV) sign in as you with the code it shows",
            device.device, device.OPTIONS),
    Command("providers", "list the outside providers linked to this account",
            providers.providers),
    Command("unlink", "unlink an outside provider (not the last way in)", providers.unlink,
            (providers.PROVIDER,)),
    Command("delete-account", "delete your account for good", account.delete_account,
            secrets="the password"),
    Command("totp-enrol", "start two-step login: a key (and QR code) for your "
            "authenticator app", second_factor.totp_enrol, secrets="the current password"),
    Command("totp-confirm", "turn two-step login on with the app's first code; shows "
            "recovery codes", second_factor.totp_confirm, (second_factor.APP_CODE,),
            secrets="the current password"),
    Command("recovery-codes", "make ten new recovery codes (the old ones stop working)",
            second_factor.recovery_codes, (second_factor.APP_CODE,),
            secrets="the current password, then (without --code) the app's code or a "
                    "recovery code"),
    Command("totp-disable", "turn two-step login off", second_factor.totp_disable,
            (second_factor.APP_CODE,),
            secrets="the current password, then (without --code) the app's code or a "
                    "recovery code"),
    Command("passkeys", "list your passkeys", passkeys.passkeys),
    Command("passkey-rename", "give one of your passkeys a new name", passkeys.rename,
            (passkeys.PASSKEY_ID, passkeys.NAME)),
    Command("passkey-remove", "remove one of your passkeys", passkeys.remove,
            (passkeys.PASSKEY_ID,)),
    Command("approval-on", "new devices' sign-ins wait for approval from your signed-in "
            "devices", second_factor.approval_enable, secrets="the current password"),
    Command("approval-off", "stop asking signed-in devices to approve new sign-ins",
            second_factor.approval_disable, secrets="the current password"),
    Command("say", "send a chat message to everyone online", say, text_arg=True),
    Command("history", "show recent chat messages", history, (LIMIT, BEFORE, AFTER)),
    Command("who", "list the users online now", who),
)}
