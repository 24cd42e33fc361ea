"""Two-step login from the terminal: the login's second step, and the TOTP commands
(enrol, confirm, new recovery codes, disable).

A code from the authenticator app lives 30 seconds and works once, so `--code` may carry
it on the command line; a recovery code is a secret, asked for like a password (or read
from `--password-stdin`, after the password).
"""

import argparse
import io
import re

import qrcode
from prompt_toolkit.formatted_text import FormattedText

from cli.context import Context
from cli.errors import ApiError
from cli.framework import Asker, Option, Outcome, info, model, ok
from contracts import service as calls
from contracts.messages import (
    LoginReply,
    Notice,
    RecoveryCodes,
    RegenerateRecoveryCodesRequest,
    SecondFactorRequest,
    TotpConfirmRequest,
    TotpDisableRequest,
    TotpEnrolment,
    TotpEnrolRequest,
)

APP_CODE = Option("--code", "the 6-digit code your authenticator app shows now", "Code")
FACTOR_PROMPT = "Code from your authenticator app (or a recovery code)"
NO_CODE = ("this account has two-step login: add --code CODE (or put the code on the next "
           "line of standard input)")
_SIX_DIGITS = re.compile(r"^\d{6}$")


def factor(entered: str) -> dict[str, str]:
    """What was typed, as the request field it is: six digits are an app code, anything
    else is taken for a recovery code."""
    entered = entered.strip()
    return {"code": entered} if _SIX_DIGITS.match(entered) else {"recovery_code": entered}


async def _factor(args: argparse.Namespace, ask: Asker) -> dict[str, str]:
    given = getattr(args, "code", None)
    return factor(given if given is not None
                  else await ask.secret(FACTOR_PROMPT, missing=NO_CODE))


async def finish_login(ctx: Context, refusal: ApiError, args: argparse.Namespace,
                       ask: Asker) -> LoginReply:
    """The second step of a login the server answered with a challenge."""
    challenge = refusal.reply.second_factor
    assert challenge is not None  # the caller passes only refusals that carry one
    request = model(SecondFactorRequest, challenge=challenge.challenge,
                    **await _factor(args, ask))
    return await ctx.api.call(calls.LOGIN_SECOND_FACTOR, request)


def terminal_qr(uri: str) -> list[FormattedText]:
    """`uri` as a QR code of block characters, light on dark (as terminals mostly are)."""
    code = qrcode.QRCode(border=1)
    code.add_data(uri)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return [info(line) for line in out.getvalue().splitlines()]


def _codes(reply: RecoveryCodes) -> list[FormattedText]:
    return [ok(reply.message), *(info(f"  {code}") for code in reply.recovery_codes)]


async def totp_enrol(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    password = await ask.secret("Current password")
    reply: TotpEnrolment = await ctx.signed_in(
        calls.TOTP_ENROL, model(TotpEnrolRequest, current_password=password))
    lines = [ok(reply.message), *terminal_qr(reply.otpauth_uri),
             info(f"Key: {reply.secret}"), info(f"URI: {reply.otpauth_uri}"),
             info("Next: " + ctx.hint("totp-confirm --code <6 digits>"))]
    return Outcome(reply, lines, json_exclude={"qr_code"})


async def totp_confirm(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    code = args.code if args.code is not None else await ask.text(APP_CODE.label)
    reply: RecoveryCodes = await ctx.signed_in(
        calls.TOTP_CONFIRM, model(TotpConfirmRequest, code=code.strip()))
    return Outcome(reply, _codes(reply))


async def recovery_codes(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    password = await ask.secret("Current password")
    reply: RecoveryCodes = await ctx.signed_in(
        calls.REGENERATE_RECOVERY_CODES,
        model(RegenerateRecoveryCodesRequest, current_password=password))
    return Outcome(reply, _codes(reply))


async def totp_disable(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    password = await ask.secret("Current password")
    reply: Notice = await ctx.signed_in(calls.TOTP_DISABLE, model(
        TotpDisableRequest, current_password=password, **await _factor(args, ask)))
    return Outcome(reply, [ok(reply.message)])
