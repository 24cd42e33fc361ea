"""Login: a name (username or email) and a password for a session token."""

from contracts import Status
from contracts.messages import LoginReply, LoginRequest

from authserver.errors import ServiceError, unauthenticated
from authserver.services.context import Caller, Context
from authserver.services.sessions import open_session
from authserver.services.users import as_reply, find_by_login_name
from authserver.store.models import User


async def check_credentials(ctx: Context, name: str, password: str) -> User:
    """The verified user with these credentials, or the refusal to give.

    An unknown name still costs one bcrypt check, so timing does not tell which names
    exist; "not verified" is only said to someone who knows the password.
    """
    user = await ctx.store.run(find_by_login_name, name)
    matched = await ctx.passwords.check(password, user.password_hash if user else None)
    if not matched:
        raise unauthenticated("Wrong username or password.")
    if not user.is_verified:
        raise ServiceError(
            Status.PERMISSION_DENIED,
            "Please verify your email address first: enter the 6-digit code we mailed you.",
        )
    return user


async def login(ctx: Context, request: LoginRequest, caller: Caller) -> LoginReply:
    user = await check_credentials(ctx, request.username, request.password)
    token, expires_at = await open_session(ctx, user)
    return LoginReply(
        message=f"Welcome back, {user.username}.",
        token=token,
        expires_at=expires_at,
        user=as_reply(user),
    )
