"""Which new passwords are refused: the most common ones, and those built on the
account's own names. The reason is given, so a person knows what to change.

The common list is the top of zxcvbn's password frequency list (drawn from leaked
password corpora), ranked by how often each was seen.
"""

from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

COMMON_COUNT = 10_000
MIN_NAME_PART = 3


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT])


def password_problem(password: str, *, username: str, email: str) -> str | None:
    """Why `password` may not be used by this account, or None when it may."""
    folded = password.casefold()
    if folded in _common() or folded.strip() in _common():
        return "That password is one of the 10,000 most common passwords. Choose another."
    for label, name in (("username", username), ("email address", email.rsplit("@", 1)[0])):
        part = name.casefold()
        if len(part) >= MIN_NAME_PART and part in folded:
            return f"The password may not contain your {label} ('{name}'). Choose another."
    return None
