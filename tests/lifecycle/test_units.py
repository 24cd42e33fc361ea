"""The rules under the lifecycle flows, without HTTP: codes bound to their purpose, and
which stored hashes a login makes again."""

import bcrypt

from authserver.security.codes import code_digest, code_matches
from authserver.security.passwords import PasswordHasher

KEY = "k" * 32


def test_a_code_matches_only_the_purpose_it_was_stored_for():
    stored = code_digest(KEY, "7:", "123456", "password_reset")
    assert code_matches(KEY, "7:", "123456", stored, "password_reset")
    assert not code_matches(KEY, "7:", "123456", stored, "email_change")
    assert not code_matches(KEY, "7:", "123456", stored)  # a verification code
    # verification digests keep the form they had before purposes existed
    assert code_digest(KEY, "a@example.com", "123456") == code_digest(
        KEY, "a@example.com", "123456", "verification")


def test_hashes_of_another_cost_need_rehashing():
    hasher = PasswordHasher(rounds=5, threads=1)
    try:
        assert hasher.needs_rehash(bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode())
        assert not hasher.needs_rehash(bcrypt.hashpw(b"x", bcrypt.gensalt(5)).decode())
        assert hasher.needs_rehash("not a bcrypt hash")
    finally:
        hasher.close()
