"""Passkeys (WebAuthn, with the `webauthn` library): add one from the Account page, log in
with one instead of a password (no username: the browser offers the passkeys it holds
for this site), list and remove them.

Each ceremony's challenge is stored (as a row found by the SHA-256 of a random token
given to the browser) for one use within five minutes. The relying party is the origin
the page was served from: its host name is the RP ID.

A passkey login needs no second factor only because the authenticator must verify its
user (a PIN or biometry, WebAuthn's UV flag): the options require it and both verify calls
refuse an answer without it, so a key without a PIN replaces neither password nor TOTP.
Adding a passkey carries the proof of services/factors/proof.py and is mailed to the
owner; starting a passkey login is limited per client (an IPv6 client by its /64).
"""

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from authserver.errors import ServiceError, invalid, unauthenticated
from authserver.security.tokens import token_digest
from authserver.services import audit, throttling
from authserver.services.accounts.lookup import DISABLED, as_reply
from authserver.services.context import Caller, Context
from authserver.services.factors.ceremonies import (
    LOGIN,
    REGISTER,
    START_OVER,
    rp_id,
    start_ceremony,
    take_ceremony,
    verified_assertion,
)
from authserver.services.factors.passkey_proof import record_use
from authserver.services.factors.proof import confirm_owner, notify
from authserver.services.factors.second_step import settle_with_passkey
from authserver.services.oauth.claims import METHODS_PASSKEY
from authserver.services.registry import serves
from authserver.services.sessions import lifecycle as sessions
from authserver.store.models import Passkey, User, database_proxy, utcnow
from contracts import Status
from contracts import service as calls
from contracts.messages import (
    Empty,
    LoginReply,
    Notice,
    PasskeyInfo,
    PasskeyList,
    PasskeyLoginRequest,
    PasskeyRegisterRequest,
    RemovePasskeyRequest,
    RenamePasskeyRequest,
)
from contracts.messages import PasskeyCeremony as CeremonyReply


def _info(row: Passkey) -> PasskeyInfo:
    return PasskeyInfo(id=row.id, name=row.name, created_at=row.created_at,
                       last_used_at=row.last_used_at)


def _credential_ids(user_id: int) -> list[str]:
    return [row.credential_id for row in
            Passkey.select(Passkey.credential_id).where(Passkey.user == user_id)]


@serves(calls.PASSKEY_REGISTER_OPTIONS)
async def passkey_register_options(ctx: Context, request: Empty, caller: Caller) -> CeremonyReply:
    signed_in = caller.signed_in
    user = signed_in.user
    known = await ctx.store.run(_credential_ids, user.id)
    options = generate_registration_options(
        rp_id=rp_id(caller), rp_name=ctx.settings.app_name, user_name=user.username,
        user_id=str(user.id).encode(), user_display_name=user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c))
                             for c in known],
    )
    return await start_ceremony(ctx, user.id, REGISTER, options)


def _store_passkey(user_id: int, credential_id: str, public_key: str, sign_count: int,
                   name: str) -> Passkey | None:
    with database_proxy.obj.atomic():
        if Passkey.select().where(Passkey.credential_id == credential_id).exists():
            return None
        return Passkey.create(user=user_id, credential_id=credential_id, public_key=public_key,
                              sign_count=sign_count, name=name, created_at=utcnow())


@serves(calls.PASSKEY_REGISTER)
async def passkey_register(ctx: Context, request: PasskeyRegisterRequest,
                           caller: Caller) -> PasskeyInfo:
    signed_in = caller.signed_in
    user = await confirm_owner(ctx, caller, request, factor=True)
    ceremony = await ctx.store.run(take_ceremony, token_digest(request.ceremony), REGISTER)
    if ceremony is None or ceremony.user_id != signed_in.user.id:
        raise invalid(START_OVER, field="ceremony")
    try:
        verified = verify_registration_response(
            credential=request.credential,
            expected_challenge=base64url_to_bytes(ceremony.challenge),
            expected_rp_id=rp_id(caller), expected_origin=caller.origin,
            require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise invalid(f"The passkey could not be checked: {exc}", field="credential") from None
    name = request.name.strip() or "Passkey"
    row = await ctx.store.run(_store_passkey, signed_in.user.id,
                              bytes_to_base64url(verified.credential_id),
                              bytes_to_base64url(verified.credential_public_key),
                              verified.sign_count, name)
    if row is None:
        raise ServiceError(Status.INVALID_ARGUMENT, "That passkey is added already.",
                           field="credential")
    await audit.record(ctx, "passkey_added", caller, user=user, detail=name)
    await notify(ctx, user, f'a passkey named "{name}" was added')
    return _info(row)


def _listed(user_id: int) -> list[PasskeyInfo]:
    return [_info(row) for row in
            Passkey.select().where(Passkey.user == user_id).order_by(Passkey.id)]


async def listed_passkeys(ctx: Context, user_id: int) -> list[PasskeyInfo]:
    return await ctx.store.run(_listed, user_id)


@serves(calls.LIST_PASSKEYS)
async def list_passkeys(ctx: Context, request: Empty, caller: Caller) -> PasskeyList:
    signed_in = caller.signed_in
    return PasskeyList(passkeys=await listed_passkeys(ctx, signed_in.user.id))


def _remove(user_id: int, passkey_id: int) -> int:
    return Passkey.delete().where(Passkey.id == passkey_id, Passkey.user == user_id).execute()


async def remove_passkey_of(ctx: Context, user_id: int, passkey_id: int) -> bool:
    """Remove the account's passkey of that id; whether it had one."""
    return bool(await ctx.store.run(_remove, user_id, passkey_id))


def _remove_all(user_id: int) -> int:
    return Passkey.delete().where(Passkey.user == user_id).execute()


async def remove_all_passkeys(ctx: Context, user_id: int) -> int:
    """Remove every passkey of the account; how many."""
    return await ctx.store.run(_remove_all, user_id)


def _rename(user_id: int, passkey_id: int, name: str) -> Passkey | None:
    Passkey.update(name=name).where(Passkey.id == passkey_id,
                                    Passkey.user == user_id).execute()
    return Passkey.get_or_none(Passkey.id == passkey_id, Passkey.user == user_id)


@serves(calls.RENAME_PASSKEY)
async def rename_passkey(ctx: Context, request: RenamePasskeyRequest,
                         caller: Caller) -> PasskeyInfo:
    signed_in = caller.signed_in
    name = request.name.strip()
    if not name:
        raise invalid("Give the passkey a name.", field="name")
    row = await ctx.store.run(_rename, signed_in.user.id, request.passkey_id, name)
    if row is None:
        raise ServiceError(Status.NOT_FOUND, "You have no passkey with that id.",
                           field="passkey_id")
    await audit.record(ctx, "passkey_renamed", caller, user=signed_in.user,
                       detail=f"passkey {request.passkey_id}: {name}")
    return _info(row)


@serves(calls.REMOVE_PASSKEY)
async def remove_passkey(ctx: Context, request: RemovePasskeyRequest, caller: Caller) -> Notice:
    signed_in = caller.signed_in
    if not await remove_passkey_of(ctx, signed_in.user.id, request.passkey_id):
        raise ServiceError(Status.NOT_FOUND, "You have no passkey with that id.",
                           field="passkey_id")
    await audit.record(ctx, "passkey_removed", caller, user=signed_in.user,
                       detail=f"passkey {request.passkey_id}")
    await notify(ctx, signed_in.user, "a passkey was removed")
    return Notice(message="The passkey is removed; it no longer logs you in.")


@serves(calls.PASSKEY_LOGIN_OPTIONS)
async def passkey_login_options(ctx: Context, request: Empty, caller: Caller) -> CeremonyReply:
    await throttling.hit(ctx, caller, "passkey_options_ip", caller.client,
                      "Too many passkey logins started from your address. Try again in {wait}.")
    options = generate_authentication_options(
        rp_id=rp_id(caller), user_verification=UserVerificationRequirement.REQUIRED)
    return await start_ceremony(ctx, None, LOGIN, options)


def _passkey_of(credential_id: str) -> tuple[Passkey, User] | None:
    row = Passkey.get_or_none(Passkey.credential_id == credential_id)
    return None if row is None else (row, User.get_by_id(row.user_id))


@serves(calls.PASSKEY_LOGIN)
async def passkey_login(ctx: Context, request: PasskeyLoginRequest, caller: Caller) -> LoginReply:
    ceremony = await ctx.store.run(take_ceremony, token_digest(request.ceremony), LOGIN)
    if ceremony is None:
        raise unauthenticated(START_OVER)
    credential_id = request.credential.get("id")
    found = None
    if isinstance(credential_id, str) and len(credential_id) <= 1400:
        found = await ctx.store.run(_passkey_of, credential_id)
    if found is None:
        await throttling.hit(ctx, caller, "login_ip", caller.client,
                          "Too many failed logins from your address. Try again in {wait}.")
        raise unauthenticated("This passkey is not known here: it may have been removed. "
                              "Log in with your password.")
    passkey, user = found
    try:
        verified = verified_assertion(request.credential, ceremony, passkey, caller)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        await audit.record(ctx, "login_failure", caller, user=user, detail="passkey refused")
        raise unauthenticated(f"The passkey's answer could not be checked: {exc}") from None
    if user.disabled_at is not None:
        raise ServiceError(Status.PERMISSION_DENIED, DISABLED)
    if request.challenge is not None:
        await settle_with_passkey(ctx, request.challenge, user)
    await ctx.store.run(record_use, passkey.id, verified.new_sign_count)
    await audit.record(ctx, "login_success", caller, user=user, detail=f"passkey {passkey.id}")
    token, expires_at = await sessions.open_session(ctx, user, caller, amr=METHODS_PASSKEY)
    return LoginReply(message=f"Welcome back, {user.username}.", token=token,
                      expires_at=expires_at, user=as_reply(user))
