"""An app's client id is given on command lines: it never starts with "-", which
argparse would take for an option (`authcli apps revoke -lwF...` failed in CI)."""

from authserver.services.oauth.clients import new_client_id

DRAWN = 2_000  # with one id in 64 starting with "-", a rule removed fails here for sure


def test_no_client_id_starts_with_a_dash():
    drawn = [new_client_id() for _ in range(DRAWN)]
    assert not [client_id for client_id in drawn if client_id.startswith("-")]
    assert len(set(drawn)) == DRAWN and all(len(client_id) == 22 for client_id in drawn)
