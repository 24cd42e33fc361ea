"""Usernames that read the same are the same name.

`pauIdcj` and `pauldcj`, `b0b` and `bOb` are different strings a reader cannot tell
apart, so one could pose as the other in the chat. Each username is reduced to a
skeleton (in the spirit of Unicode's confusable skeletons, for the ASCII a username may
hold): case folded, then I, l, 1 and i read as one letter, O and 0 as another, rn as m
and vv as w. The skeleton is unique like the name itself.
"""

_SEQUENCES = (("rn", "m"), ("vv", "w"))
_CHARACTERS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l"})


def skeleton(username: str) -> str:
    """The form two usernames share when they look alike."""
    folded = username.casefold()
    for sequence, reading in _SEQUENCES:
        folded = folded.replace(sequence, reading)
    return folded.translate(_CHARACTERS)
