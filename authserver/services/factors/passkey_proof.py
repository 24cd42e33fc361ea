"""A fresh passkey assertion as the proof of the owner, for an account with no password
(made through an outside provider, or passkey-only): `POST /api/passkeys/proof/options`
starts a ceremony bound to the signed-in account and allowing only its passkeys; the
credential change carries the ceremony and the authenticator's answer (`passkey`), which
must verify its user (UV), as at login. A ceremony is used once, within five minutes."""

from webauthn import generate_authentication_options
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from authserver.errors import ServiceError, invalid
from authserver.security.tokens import token_digest
from authserver.services.context import Caller, Context
from authserver.services.factors.ceremonies import (
    PROOF,
    rp_id,
    start_ceremony,
    take_ceremony,
    verified_assertion,
)
from authserver.services.registry import serves
from authserver.store.models import Passkey, User, utcnow
from contracts import Status
from contracts import service as calls
from contracts.messages import Empty, PasskeyProof
from contracts.messages import PasskeyCeremony as CeremonyReply

NO_PASSKEY = "This account has no passkey to prove it is you with."
WRONG_PASSKEY = "That passkey answer does not prove it is you: try again."


def _credential_ids(user_id: int) -> list[str]:
    return [row.credential_id for row in
            Passkey.select(Passkey.credential_id).where(Passkey.user == user_id)]


def _own_passkey(user_id: int, credential_id: str) -> Passkey | None:
    return Passkey.get_or_none(Passkey.user == user_id, Passkey.credential_id == credential_id)


def record_use(passkey_id: int, sign_count: int) -> None:
    """Keep the authenticator's new signature count and when the passkey was last used."""
    Passkey.update(sign_count=sign_count, last_used_at=utcnow()).where(
        Passkey.id == passkey_id).execute()


@serves(calls.PASSKEY_PROOF_OPTIONS)
async def passkey_proof_options(ctx: Context, request: Empty, caller: Caller) -> CeremonyReply:
    user = caller.signed_in.user
    known = await ctx.store.run(_credential_ids, user.id)
    if not known:
        raise ServiceError(Status.FAILED_PRECONDITION, NO_PASSKEY)
    options = generate_authentication_options(
        rp_id=rp_id(caller), user_verification=UserVerificationRequirement.REQUIRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c))
                           for c in known])
    return await start_ceremony(ctx, user.id, PROOF, options)


async def passkey_proves(ctx: Context, caller: Caller, user: User, proof: PasskeyProof) -> bool:
    """Whether `proof` is a fresh, user-verified assertion by one of `user`'s passkeys to
    a proof ceremony started by `user`; an expired or used ceremony is refused on its
    field (a new one must be started), any other failure is False."""
    ceremony = await ctx.store.run(take_ceremony, token_digest(proof.ceremony), PROOF)
    if ceremony is None or ceremony.user_id != user.id:
        raise invalid("That passkey request has expired or was used. Start again.",
                      field="passkey")
    credential_id = proof.credential.get("id")
    if not isinstance(credential_id, str) or len(credential_id) > 1400:
        return False
    passkey = await ctx.store.run(_own_passkey, user.id, credential_id)
    if passkey is None:
        return False
    try:
        verified = verified_assertion(proof.credential, ceremony, passkey, caller)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return False
    await ctx.store.run(record_use, passkey.id, verified.new_sign_count)
    return True
