"""Secrets the server must read back (TOTP seeds, OpenID signing keys), encrypted at rest.

The key is derived from SECRET_KEY with HKDF, under a label of its own, so a copy of the
database alone does not give away anyone's authenticator seed, and the key is never the
one that signs codes. Fernet (AES-128-CBC + HMAC-SHA256) authenticates what it decrypts.
"""

import base64

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOTP_LABEL = b"authserver totp secret v1"
SIGNING_KEY_LABEL = b"authserver oidc signing key v1"


class SecretBox:
    """Encrypts and decrypts short secrets with a key derived from `secret_key`, under
    `label` (each kind of secret has its own key)."""

    def __init__(self, secret_key: str, *, label: bytes = TOTP_LABEL,
                 previous: str | None = None) -> None:
        keys = [secret_key, *([previous] if previous else [])]
        self._fernet = MultiFernet([_fernet(key, label) for key in keys])

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        """The plaintext, sealed under SECRET_KEY or (during a rotation) the previous
        key; cryptography.fernet.InvalidToken when neither opens it."""
        return self._fernet.decrypt(sealed.encode()).decode()

    def reseal(self, sealed: str) -> str:
        """`sealed` under SECRET_KEY, whichever of the keys sealed it."""
        return self._fernet.rotate(sealed.encode()).decode()


def _fernet(secret_key: str, label: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))
