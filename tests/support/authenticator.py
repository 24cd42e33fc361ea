"""A software passkey for REST tests: it answers WebAuthn's registration and login
ceremonies as a platform authenticator would (an ES256 key, "none" attestation), and can
be told to leave out user verification (a key without a PIN), which the server must
refuse. The browser tests use Chromium's own virtual authenticator instead."""

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftPasskey:
    """One credential for the site at `origin`."""

    def __init__(self, origin: str, *, verifies_user: bool = True) -> None:
        self.origin = origin
        self.rp_id = urlsplit(origin).hostname or ""
        self.verifies_user = verifies_user
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.count = 0

    def _flags(self, extra: int = 0) -> int:
        return UP | (UV if self.verifies_user else 0) | extra

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        self.count += 1
        return (hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags])
                + struct.pack(">I", self.count) + attested)

    def register(self, options: dict) -> dict:
        """The credential `navigator.credentials.create()` would give for `options`."""
        attested = (bytes(16) + struct.pack(">H", len(self.credential_id))
                    + self.credential_id + self._cose_key())
        auth_data = self._auth_data(self._flags(AT), attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {"clientDataJSON": b64url(self._client_data(
                                 "webauthn.create", options["challenge"])),
                             "attestationObject": b64url(attestation)}}

    def assert_(self, options: dict) -> dict:
        """The answer `navigator.credentials.get()` would give for `options`."""
        auth_data = self._auth_data(self._flags())
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {"clientDataJSON": b64url(client_data),
                             "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature), "userHandle": None}}
