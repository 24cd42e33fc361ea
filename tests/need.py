"""Skip a test whose real part is missing, except in CI, where a missing part fails it."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(available: bool, reason: str) -> None:
    """Go on if `available`; otherwise skip with `reason`, or fail when CI=true."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required here)", pytrace=False)
    pytest.skip(reason)
