"""Rotating SECRET_KEY: every secret the server sealed with it (TOTP seeds, queued mail,
the OpenID Provider's signing keys) is opened with the old key and sealed again under the
new one.

Set the new key as SECRET_KEY and the old one as SECRET_KEY_PREVIOUS: the server opens
what either sealed meanwhile; `authserver secret rotate` re-seals every registered column
under SECRET_KEY, after which SECRET_KEY_PREVIOUS can go. A value no key opens is left
as it is and counted: its owner turns two-step login off and on again.
"""

from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from peewee import Model

from authserver.mail import sealing
from authserver.security.secretbox import SIGNING_KEY_LABEL, TOTP_LABEL, SecretBox
from authserver.store.models import OutboxMail, SigningKey, TotpFactor, database_proxy


@dataclass(frozen=True)
class SealedColumn:
    """A column holding values sealed by a SecretBox under `label`; `prefix` marks a
    sealed value where the column may also hold plain ones."""

    model: type[Model]
    field: str
    label: bytes
    prefix: str = ""

    @property
    def name(self) -> str:
        return f"{self.model._meta.table_name}.{self.field}"


SEALED_COLUMNS: list[SealedColumn] = [
    SealedColumn(TotpFactor, "secret", TOTP_LABEL),
    SealedColumn(OutboxMail, "body", sealing.LABEL, prefix=sealing.SEALED),
    SealedColumn(SigningKey, "private_jwk", SIGNING_KEY_LABEL),
]
"""Every sealed column: a feature that seals a new kind of secret adds its own here."""


@dataclass
class Resealed:
    column: str
    resealed: int = 0
    unreadable: int = 0


def _reseal(column: SealedColumn, box: SecretBox) -> Resealed:
    done = Resealed(column.name)
    field = getattr(column.model, column.field)
    for row in column.model.select(column.model._meta.primary_key, field):
        value = getattr(row, column.field)
        if not value or not value.startswith(column.prefix):
            continue
        try:
            fresh = column.prefix + box.reseal(value[len(column.prefix):])
        except InvalidToken:
            done.unreadable += 1
            continue
        column.model.update({field: fresh}).where(
            column.model._meta.primary_key == row.get_id(), field == value).execute()
        done.resealed += 1
    return done


def reseal_all(secret_key: str, previous: str | None) -> list[Resealed]:
    """Re-seal every registered column under `secret_key` (opening with it or
    `previous`), in one transaction."""
    with database_proxy.obj.atomic():
        return [_reseal(column, SecretBox(secret_key, label=column.label, previous=previous))
                for column in SEALED_COLUMNS]
