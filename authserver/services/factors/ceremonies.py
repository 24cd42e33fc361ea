"""WebAuthn ceremonies under way (adding a passkey, logging in with one, proving the owner
with one): each challenge is stored as a row found by the SHA-256 of a random token given
to the browser, for one use within five minutes. The relying party is the origin the page
was served from: its host name is the RP ID."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

from webauthn import options_to_json, verify_authentication_response
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from authserver.security.tokens import new_token, token_digest
from authserver.services.context import Caller, Context
from authserver.store.models import Passkey, PasskeyCeremony, utcnow
from contracts.messages import PasskeyCeremony as CeremonyReply

CEREMONY_LIFETIME = timedelta(minutes=5)
REGISTER, LOGIN, PROOF = "register", "login", "proof"
START_OVER = "That passkey request has expired or was used. Try again."


def rp_id(caller: Caller) -> str:
    return urlsplit(caller.origin).hostname or ""


def _open_ceremony(token_hash: str, user_id: int | None, purpose: str, challenge: bytes) -> None:
    now = utcnow()
    PasskeyCeremony.delete().where(PasskeyCeremony.expires_at <= now).execute()
    PasskeyCeremony.create(token_hash=token_hash, user=user_id, purpose=purpose,
                           challenge=bytes_to_base64url(challenge),
                           expires_at=now + CEREMONY_LIFETIME)


def take_ceremony(token_hash: str, purpose: str) -> PasskeyCeremony | None:
    """The live ceremony of that token, used up by taking it."""
    row = PasskeyCeremony.get_or_none(PasskeyCeremony.token_hash == token_hash,
                                      PasskeyCeremony.purpose == purpose,
                                      PasskeyCeremony.expires_at > utcnow())
    if row is None or not PasskeyCeremony.delete().where(PasskeyCeremony.id == row.id).execute():
        return None
    return row


async def start_ceremony(ctx: Context, user_id: int | None, purpose: str, options) -> CeremonyReply:
    """Store a new ceremony of `options` (WebAuthn's); what the browser is given."""
    token = new_token()
    await ctx.store.run(_open_ceremony, token_digest(token), user_id, purpose, options.challenge)
    return CeremonyReply(ceremony=token, options=json.loads(options_to_json(options)))


def verified_assertion(credential: dict, ceremony: PasskeyCeremony, passkey: Passkey,
                       caller: Caller) -> VerifiedAuthentication:
    """The passkey's answer to `ceremony`, checked as WebAuthn says, with its user verified
    (a key without a PIN proves possession only); raises WebAuthn's error (or a
    ValueError, KeyError or TypeError for a malformed answer) when it is not right."""
    return verify_authentication_response(
        credential=credential,
        expected_challenge=base64url_to_bytes(ceremony.challenge),
        expected_rp_id=rp_id(caller), expected_origin=caller.origin,
        credential_public_key=base64url_to_bytes(passkey.public_key),
        credential_current_sign_count=passkey.sign_count,
        require_user_verification=True)
