"""Accounts as the operator manages them: found by id, username or email;
verified, given a role. The operator's commands reach the data only here and through the
admin page's acts (services/admin/actions.py: disable, delete ...)."""

from collections.abc import Iterable

from authserver.mail.outbox import PENDING
from authserver.services.context import Context
from authserver.store.models import OutboxMail, User, database_proxy

ROLES = ("user", "admin")


def _find(reference: str | None, user_id: int | None) -> User | None:
    if user_id is not None:
        return User.get_or_none(User.id == user_id)
    key = (reference or "").strip().lower()
    return User.get_or_none((User.username_key == key) | (User.email_key == key))


async def find(ctx: Context, reference: str | None = None, *,
               user_id: int | None = None) -> User | None:
    """The account with the id `user_id`, or whose username or email (any case) is
    `reference`: a word is never taken for an id (`users disable 0048` means the user
    named 0048; the id is `--id 48`)."""
    return await ctx.store.run(_find, reference, user_id)


def _taken(usernames: list[str], emails: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for user in User.select(User.username, User.email).where(
        User.username_key.in_([name.lower() for name in usernames])
    ):
        found.append((user.username, "username"))
    for user in User.select(User.username, User.email).where(
        User.email_key.in_([email.lower() for email in emails])
    ):
        found.append((user.email, "email"))
    return found


async def taken(ctx: Context, usernames: Iterable[str], emails: Iterable[str]
                ) -> list[tuple[str, str]]:
    """Which of these usernames and emails accounts hold already, as (value, field)."""
    return await ctx.store.run(_taken, list(usernames), list(emails))


def _update(user_ids: list[int], values: dict) -> int:
    return User.update(**values).where(User.id.in_(user_ids)).execute()


def _verify(user_ids: list[int]) -> None:
    # Writing first: on SQLite a transaction that reads first cannot always upgrade to
    # writing while other writers are busy ("database is locked").
    with database_proxy.obj.atomic():
        _update(user_ids, {
            "is_verified": True, "verification_code": None, "verification_code_expires": None,
        })
        emails = [user.email for user in User.select(User.email).where(User.id.in_(user_ids))]
        OutboxMail.delete().where(
            OutboxMail.recipient.in_(emails), OutboxMail.status == PENDING
        ).execute()


async def mark_verified(ctx: Context, user_ids: list[int]) -> None:
    """Treat these addresses as proven: their codes die, and the mail still waiting to
    carry them is withdrawn (bulk accounts for load tests mail nobody)."""
    await ctx.store.run(_verify, user_ids)


async def set_role(ctx: Context, user_ids: list[int], role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    await ctx.store.run(_update, user_ids, {"role": role})
