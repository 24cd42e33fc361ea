"""The service table's rules, enforced before a body is read.

A call the table marks `authenticated` needs a live session (UNAUTHENTICATED otherwise);
one marked `admin` also needs the admin role (PERMISSION_DENIED), and each admin call
counts against the admin's own limit. The dispatcher asks here first, so whether a call
is refused never depends on its body, and a service function reads who is asking from
`caller.signed_in` instead of checking by hand.

A call marked `proof` carries the caller's own `current_password`: once the body is read,
`prove` checks it (services/passwords/recheck.py) before the service runs, so no act of
that row can be made on a session alone.
"""

from dataclasses import replace

from authserver.errors import ServiceError
from authserver.services import throttling
from authserver.services.context import Caller, Context
from authserver.services.passwords.recheck import confirm_password
from authserver.services.sessions.lifecycle import authenticate
from contracts import Call, Status

ADMIN = "admin"
TOO_MANY_ADMIN_CALLS = "Too many admin calls. Try again in {wait}."


async def admit(ctx: Context, call: Call, caller: Caller) -> Caller:
    """`caller` with its session, or the refusal the call's row declares."""
    if not (call.authenticated or call.admin):
        return caller
    signed_in = await authenticate(ctx, caller.token)
    if call.admin:
        if signed_in.user.role != ADMIN:
            raise ServiceError(Status.PERMISSION_DENIED,
                               "Only an administrator of this server may do that.")
        await throttling.hit(ctx, caller, "admin_user", str(signed_in.user.id),
                             TOO_MANY_ADMIN_CALLS, user=signed_in.user)
    return replace(caller, session=signed_in)


async def prove(ctx: Context, call: Call, caller: Caller, request) -> None:
    """Check the `current_password` a `proof` call carries; nothing for other calls."""
    if call.proof:
        await confirm_password(ctx, caller, caller.signed_in, request.current_password)
