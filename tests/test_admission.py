"""The service table enforces what it declares, before the body is read: every signed-in
row answers 401 to a caller with no session, every admin row 403 to a signed-in
non-admin, whether the body is valid or not, and only an admitted caller's bad body is
a 400."""

import json

import pytest

from contracts import CALLS
from tests.support.api import call, verified_account

SIGNED_IN = [c for c in CALLS if c.authenticated or c.admin]
ADMIN = [c for c in CALLS if c.admin]
NOT_JSON_OBJECT = "[1, 2"  # no call accepts it: a 400 whenever the body is read


# Values that pass each field's rules; a new signed-in call whose request needs another
# shape names it in BODIES, or valid_body fails and says which model it could not fill.
VALUES = {"user_id": 1, "session_id": 1, "passkey_id": 1,
          "current_password": "a good long password",
          "new_password": "another good long password", "new_email": "x@example.com",
          "code": "123456", "ceremony": "c" * 20, "credential": {}}
BODIES = {"TotpDisableRequest": {"current_password": "a good long password", "code": "123456"}}


def valid_body(row, user_id: int) -> str | None:
    """A body the row's request model accepts (None for calls that take none)."""
    fields = row.request.model_fields
    if not fields:
        return None
    body = BODIES.get(row.request.__name__) or {
        name: VALUES.get(name, "x") for name, field in fields.items() if field.is_required()}
    body = {**body, **({"user_id": user_id} if "user_id" in fields else {})}
    row.request.model_validate(body)
    return json.dumps(body)


def test_the_table_marks_signed_in_and_admin_rows():
    assert ADMIN and all(row.authenticated for row in ADMIN)
    assert len(SIGNED_IN) > len(ADMIN)


@pytest.mark.parametrize("row", SIGNED_IN, ids=lambda row: row.name)
async def test_no_session_is_401_whatever_the_body(http, any_server, row):
    for body in (valid_body(row, 1), NOT_JSON_OBJECT):
        refused = await call(http, any_server, row.name, raw=body)
        assert refused.status == 401, (row.name, body, refused.body)
        assert refused.body["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("row", ADMIN, ids=lambda row: row.name)
async def test_a_non_admin_is_403_whatever_the_body(http, any_server, unique, row):
    plain = await verified_account(http, any_server, unique)
    for body in (valid_body(row, plain.user_id), NOT_JSON_OBJECT):
        refused = await call(http, any_server, row.name, raw=body, token=plain.token)
        assert refused.status == 403, (row.name, body, refused.body)
        assert refused.body["code"] == "PERMISSION_DENIED"


async def test_an_admitted_caller_with_a_bad_body_is_400(http, any_server, unique):
    plain = await verified_account(http, any_server, unique)
    refused = await call(http, any_server, "revoke_session", raw=NOT_JSON_OBJECT,
                         token=plain.token)
    assert refused.status == 400 and refused.body["code"] == "INVALID_ARGUMENT"
