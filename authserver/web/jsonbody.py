"""A strict JSON decoder for request bodies.

Python's json module accepts NaN and Infinity, keeps the last of duplicate keys, lets
nesting go as deep as the recursion limit, parses integers of any length and lets lone
surrogates through. Each of those is refused here, with a sentence saying why.
"""

import json
from typing import Any

MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 20


class BadJson(ValueError):
    """The body is not JSON this server accepts; the message says why."""


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not allowed in JSON here.")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BadJson(f"The key '{key}' appears twice.")
        result[key] = value
    return result


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BadJson(f"Numbers may have at most {MAX_INTEGER_DIGITS} digits.")
    return int(text)


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise BadJson(f"JSON may nest at most {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadJson("Strings may not contain lone surrogates.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _depth_prescan(text: str) -> None:
    """Refuse deep nesting before parsing, so `[[[[...` cannot exhaust the stack."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BadJson(f"JSON may nest at most {MAX_DEPTH} levels deep.")
        elif char in "]}":
            depth -= 1


def decode(body: bytes) -> Any:
    """Parse a request body, or raise BadJson with a reason a person can act on."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("The body must be UTF-8 encoded JSON.") from None
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _depth_prescan(text)
    try:
        value = json.loads(
            text,
            parse_constant=_no_constants,
            object_pairs_hook=_no_duplicates,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        raise BadJson(f"The body is not valid JSON ({exc.msg} at character {exc.pos}).") from None
    _check(value)
    return value
