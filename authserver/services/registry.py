"""Which function serves each call of the contracts' service table.

A service module marks the function that serves a call with `@serves(CALL)`, next to
its code; `services()` imports every module of this package (subpackages too) and so
finds them all.
Adding a REST call therefore touches its contract and one service module, and mypy
checks that the function takes the call's request and returns its reply.
"""

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

import authserver.services as package
from authserver.services.context import Caller, Context
from contracts import CALLS, Call

Request = TypeVar("Request", bound=BaseModel)
Reply = TypeVar("Reply", bound=BaseModel)
Service = Callable[[Context, Request, Caller], Awaitable[Reply]]

_SERVED: dict[str, Service[Any, Any]] = {}


def serves(
    call: Call[Request, Reply],
) -> Callable[[Service[Request, Reply]], Service[Request, Reply]]:
    """Mark the decorated function as the one that serves `call`."""

    def register(function: Service[Request, Reply]) -> Service[Request, Reply]:
        if _SERVED.setdefault(call.name, function) is not function:
            raise RuntimeError(f"the call {call.name!r} is served twice")
        return function

    return register


def services() -> dict[str, Service[Any, Any]]:
    """The function of every call in the table, by call name; a call nobody serves stops
    the server at start rather than answering 404 at run time."""
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        importlib.import_module(module.name)
    missing = [call.name for call in CALLS if call.name not in _SERVED]
    if missing:
        raise RuntimeError(f"no service function for the call(s): {', '.join(missing)}")
    return dict(_SERVED)
