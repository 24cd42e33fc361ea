"""The strict JSON decoder refuses what Python's json module would let through."""

import pytest

from authserver.web.jsonbody import BadJson, decode


@pytest.mark.parametrize("body", [
    b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}',
    b'{"a": 1, "a": 2}',
    b"[" * 33 + b"]" * 33,
    b'{"a": 123456789012345678901}',
    b'{"a": "\\ud800"}',
    b"\xff", b"", b"{", b"tru",
])
def test_refused(body):
    with pytest.raises(BadJson):
        decode(body)


@pytest.mark.parametrize(("body", "value"), [
    (b'{"a": [1, 2.5, "x", null, true]}', {"a": [1, 2.5, "x", None, True]}),
    (b"[" * 32 + b"]" * 32, eval("[" * 32 + "]" * 32)),  # noqa: S307 - a literal
    (('{"a": "' + "[" * 40 + '"}').encode(), {"a": "[" * 40}),
    (b'{"a": 12345678901234567890}', {"a": 12345678901234567890}),
    (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),
])
def test_accepted(body, value):
    assert decode(body) == value
