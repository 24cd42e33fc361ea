"""Outbox rows hold their subject and body sealed with SECRET_KEY (as TOTP secrets are),
opened only by the mail worker to send them: the database files, WAL included, and a
copy of them, hold no live code in the clear.

The key is installed once per process where the store is opened (`install`), as the
models' database proxy is; a row written before sealing existed reads as it is.
"""

import json

from authserver.security.secretbox import SecretBox

SEALED = "sealed:"
SEALED_SUBJECT = "(sealed)"
LABEL = b"authserver outbox v1"
_boxes: list[SecretBox] = []


def install(secret_key: str, previous: str | None = None) -> None:
    """Seal outbox rows with `secret_key` in this process from now on, and open them with
    it or (during a rotation) with `previous`."""
    _boxes[:] = [SecretBox(secret_key, label=LABEL, previous=previous)]


def _box() -> SecretBox:
    if not _boxes:
        raise RuntimeError("no outbox key installed: call sealing.install(SECRET_KEY)")
    return _boxes[0]


def seal(subject: str, body: str) -> tuple[str, str]:
    """The (subject, body) columns of a mail: a placeholder, and both sealed together."""
    return SEALED_SUBJECT, SEALED + _box().seal(json.dumps([subject, body]))


def open_(subject: str, body: str) -> tuple[str, str]:
    """The mail's real subject and body."""
    if not body.startswith(SEALED):
        return subject, body
    opened = json.loads(_box().open(body[len(SEALED):]))
    return opened[0], opened[1]
