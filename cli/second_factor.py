"""Two-step login from the terminal: the login's second step (a code, or waiting for a
signed-in device to approve), the TOTP commands (enrol, confirm, new recovery codes,
disable) and turning approval from signed-in devices on and off.

A code from the authenticator app lives 30 seconds and works once, so `--code` may carry
it on the command line; a recovery code is a secret, asked for like a password (or read
from `--password-stdin`, after the password).
"""

import argparse
import io
import re
import sys

import qrcode
from prompt_toolkit.formatted_text import FormattedText

from cli.context import Context
from cli.errors import ApiError
from cli.framework import Asker, Option, Outcome, info, model, ok
from cli.owner_proof import owner_proof
from contracts import Status
from contracts import service as calls
from contracts.messages import (
    ApprovalToggleRequest,
    ApprovalWaitReply,
    ApprovalWaitRequest,
    LoginReply,
    Notice,
    RecoveryCodes,
    RegenerateRecoveryCodesRequest,
    SecondFactorChallenge,
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


def _progress(text: str) -> None:
    """A line while a command runs: on stderr, so a script's stdout (--json) stays clean;
    in the REPL it prints above the prompt like everything else."""
    print(text, file=sys.stderr, flush=True)


async def _approved(ctx: Context, challenge: SecondFactorChallenge) -> LoginReply | None:
    """Wait for a signed-in device to approve; the session, or None when the request
    ended otherwise and a code may still finish the login (a refusal raises)."""
    _progress(f"On a device where you are signed in, pick {challenge.number} to approve "
              "this sign-in. Waiting...")
    if challenge.approval_note:
        _progress(challenge.approval_note)
    while True:
        try:
            reply: ApprovalWaitReply = await ctx.api.call(
                calls.LOGIN_APPROVAL_WAIT,
                model(ApprovalWaitRequest, challenge=challenge.challenge))
        except ApiError as exc:
            if "totp" not in challenge.factors or exc.code is not Status.UNAUTHENTICATED:
                raise
            _progress(exc.reply.error)
            return None
        if reply.approved:
            assert reply.token and reply.expires_at and reply.user  # approved carries them
            return LoginReply(message=reply.message, token=reply.token,
                              expires_at=reply.expires_at, user=reply.user)


async def finish_login(ctx: Context, refusal: ApiError, args: argparse.Namespace,
                       ask: Asker) -> LoginReply:
    """The second step of a login the server answered with a challenge: approval from a
    signed-in device when it is offered (unless --code is given), else a code."""
    challenge = refusal.reply.second_factor
    assert challenge is not None  # the caller passes only refusals that carry one
    if "approval" in challenge.factors and getattr(args, "code", None) is None:
        approved = await _approved(ctx, challenge)
        if approved is not None:
            return approved
    elif challenge.approval_note:
        _progress(challenge.approval_note)
    request = model(SecondFactorRequest, challenge=challenge.challenge,
                    **await _factor(args, ask))
    return await ctx.api.call(calls.LOGIN_SECOND_FACTOR, request)


async def approval_enable(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    password = await ask.secret("Current password")
    reply: Notice = await ctx.signed_in(
        calls.APPROVAL_ENABLE, model(ApprovalToggleRequest, current_password=password))
    return Outcome(reply, [ok(reply.message),
                           info("Keep an authcli REPL or the web page open on a device to "
                                "answer requests there.")])


async def approval_disable(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    password = await ask.secret("Current password")
    reply: Notice = await ctx.signed_in(
        calls.APPROVAL_DISABLE, model(ApprovalToggleRequest, current_password=password))
    return Outcome(reply, [ok(reply.message)])


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
    reply: TotpEnrolment = await ctx.signed_in(
        calls.TOTP_ENROL, model(TotpEnrolRequest, **await owner_proof(ctx, ask)))
    lines = [ok(reply.message), *terminal_qr(reply.otpauth_uri),
             info(f"Key: {reply.secret}"), info(f"URI: {reply.otpauth_uri}"),
             info("Next: " + ctx.hint("totp-confirm --code <6 digits>"))]
    return Outcome(reply, lines, json_exclude={"qr_code"})


async def totp_confirm(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    proof = await owner_proof(ctx, ask)
    code = args.code if args.code is not None else await ask.text(APP_CODE.label)
    reply: RecoveryCodes = await ctx.signed_in(calls.TOTP_CONFIRM, model(
        TotpConfirmRequest, code=code.strip(), **proof))
    return Outcome(reply, _codes(reply))


async def recovery_codes(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    """New codes are made only while two-step login is on, so the app's code (or a
    recovery code) is always asked for with the password."""
    ctx.require_session()
    proof = await owner_proof(ctx, ask, code_follows=True)
    reply: RecoveryCodes = await ctx.signed_in(
        calls.REGENERATE_RECOVERY_CODES,
        model(RegenerateRecoveryCodesRequest, **proof, **await _factor(args, ask)))
    return Outcome(reply, _codes(reply))


async def totp_disable(ctx: Context, args: argparse.Namespace, ask: Asker) -> Outcome:
    ctx.require_session()
    proof = await owner_proof(ctx, ask, code_follows=True)
    reply: Notice = await ctx.signed_in(calls.TOTP_DISABLE, model(
        TotpDisableRequest, **proof, **await _factor(args, ask)))
    return Outcome(reply, [ok(reply.message)])
