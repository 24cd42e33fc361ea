"""TOTP, recovery codes and the secret box without a server: the drift window, the forms
codes are typed in, and secrets that only the right SECRET_KEY opens."""

import pyotp
import pytest
from cryptography.fernet import InvalidToken

from authserver.security.secretbox import SecretBox
from authserver.security.totp import (
    RECOVERY_CODE_COUNT,
    STEP_SECONDS,
    matching_step,
    new_recovery_codes,
    new_secret,
    normal_recovery_code,
)
from contracts.messages import SecondFactorRequest

NOW = 1_800_000_015.0  # 15 s into a step: no boundary near


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True),
                                                  (1, True), (2, False)])
def test_a_code_is_taken_one_step_either_side_of_now(offset, accepted):
    secret = new_secret()
    step = int(NOW // STEP_SECONDS) + offset
    code = pyotp.TOTP(secret).generate_otp(step)
    assert (matching_step(secret, code, NOW) == step) is accepted


def test_recovery_codes_are_ten_distinct_and_typed_loosely():
    codes = new_recovery_codes()
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert all(len(code) == 9 and code[4] == "-" for code in codes)
    assert normal_recovery_code("K7M2-Q9XD") == normal_recovery_code("k7m2q9xd") == "k7m2q9xd"
    SecondFactorRequest(challenge="c" * 43, recovery_code="K7M2Q9XD")  # accepted as typed


def test_only_the_same_secret_key_opens_a_sealed_secret():
    sealed = SecretBox("a" * 32).seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert SecretBox("a" * 32).open(sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidToken):
        SecretBox("b" * 32).open(sealed)
