"""Turning stored users into wire users, and finding them by the names people type."""

from authserver.store.models import User
from contracts.fields import lookup_key
from contracts.messages import User as UserReply

DISABLED = ("This account is disabled by an administrator of this server. Write to them "
            "to have it enabled again.")


def as_reply(user: User) -> UserReply:
    return UserReply(
        id=user.id,
        username=user.username,
        email=user.email,
        is_verified=user.is_verified,
        created_at=user.created_at,
        role=user.role,
    )


def find_by_login_name(name: str) -> User | None:
    """The user whose username or email is `name`, whatever its case."""
    key = lookup_key(name)
    return User.get_or_none((User.username_key == key) | (User.email_key == key))
