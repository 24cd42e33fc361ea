"""Finding users: a searched, paged list, and one user in detail (sessions, second
factors, last login, latest audit events).

The list costs the same on any page of any table (issue 27): pages by id cursor, a count
that stops or estimates above a threshold (store/sizes.py), and a search in the form the
indexes serve (store/text_search.py): a substring through pg_trgm's indexes, else a
prefix through the keys' b-tree indexes.
"""

from peewee import OP, SQL, Expression, NodeList, PostgresqlDatabase, Value

from authserver.services.admin.access import record, target
from authserver.services.context import Caller, Context
from authserver.services.factors.checks import unused_recovery_codes
from authserver.services.registry import serves
from authserver.services.sessions.self_service import listed
from authserver.store.models import AuditEvent, Passkey, TotpFactor, User, database_proxy
from authserver.store.sizes import counted_up_to, table_size
from contracts import service as calls
from contracts.messages import (
    AdminListRequest,
    AdminUser,
    AdminUserDetail,
    AdminUserPage,
    AdminUserRequest,
    AuditEntry,
)

EVENTS_SHOWN = 50


def admin_user(user: User, totp: bool) -> AdminUser:
    return AdminUser(id=user.id, username=user.username, email=user.email,
                     is_verified=user.is_verified, role=user.role,
                     disabled=user.disabled_at is not None, totp=totp,
                     created_at=user.created_at)


def _with_totp(users: list[User]) -> list[AdminUser]:
    ids = [user.id for user in users]
    on = set()
    if ids:
        on = {row.user_id for row in TotpFactor.select(TotpFactor.user).where(
            TotpFactor.user.in_(ids), TotpFactor.confirmed_at.is_null(False))}
    return [admin_user(user, user.id in on) for user in users]


# Counting is exact up to these; above, the list shows an estimate and a search "N+".
LIST_COUNTED_UP_TO = 10_000
SEARCH_COUNTED_UP_TO = 1_000
# pg_trgm's index needs a whole trigram of the pattern; shorter words match a prefix.
SUBSTRING_MIN = 3


def _like_either(pattern: str) -> Expression:
    """Username or address LIKE `pattern` (case-sensitive: the keys are lower-cased)."""
    escaped = NodeList((Value(pattern, converter=False), SQL("ESCAPE"),
                        Value("\\", converter=False)))
    return (Expression(User.username_key, OP.LIKE, escaped)
            | Expression(User.email_key, OP.LIKE, escaped))


def _matching(words: str, substring: bool) -> tuple[Expression, str]:
    """Users whose lower-cased username or address holds `words` (or starts with them),
    in a form the indexes serve; and which of the two it is."""
    literal = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if substring and len(words) >= SUBSTRING_MIN:
        return _like_either(f"%{literal}%"), "substring"
    if isinstance(database_proxy.obj, PostgresqlDatabase):
        # The trigram or varchar_pattern_ops indexes serve a LIKE prefix in any collation.
        return _like_either(f"{literal}%"), "prefix"
    # SQLite: the unique indexes on the keys (binary collation) serve a range.
    end = words + "\U0010ffff"
    return (((User.username_key >= words) & (User.username_key < end))
            | ((User.email_key >= words) & (User.email_key < end))), "prefix"


def _page(request: AdminListRequest, substring: bool) -> AdminUserPage:
    """Newest first by id: a cursor is the last id shown, so any page costs one index
    range; an offset still walks past every row it skips."""
    query = User.select()
    words = request.query.strip().lower()
    search = "substring" if substring else "prefix"
    if words:
        matching, search = _matching(words, substring)
        query = query.where(matching)
        size = counted_up_to(query.select(User.id), SEARCH_COUNTED_UP_TO)
    else:
        size = table_size(User, LIST_COUNTED_UP_TO)
    if request.cursor is not None:
        query = query.where(User.id < int(request.cursor))
    rows = list(query.order_by(User.id.desc()).offset(request.offset or None)
                .limit(request.limit + 1))
    users = rows[:request.limit]
    more = len(rows) > request.limit
    return AdminUserPage(users=_with_totp(users), total=size.total, total_kind=size.kind,
                         next_cursor=str(users[-1].id) if more else None, search=search)


async def users_page(ctx: Context, request: AdminListRequest) -> AdminUserPage:
    """One page of the users (the admin page's list, `authserver users list`)."""
    return await ctx.store.run(_page, request, await ctx.store.substring_search())


@serves(calls.ADMIN_LIST_USERS)
async def admin_list_users(ctx: Context, request: AdminListRequest,
                           caller: Caller) -> AdminUserPage:
    admin = caller.signed_in
    page = await users_page(ctx, request)
    where = f"after {request.cursor}" if request.cursor else f"from {request.offset}"
    await record(ctx, caller, admin, "list_users", admin.user,
                 f": {request.query[:60]!r} {where}")
    return page


def _detail(user: User) -> AdminUserDetail:
    events = (AuditEvent.select().where(AuditEvent.user_id == user.id)
              .order_by(AuditEvent.id.desc()).limit(EVENTS_SHOWN))
    last_login = (AuditEvent.select(AuditEvent.created_at)
                  .where(AuditEvent.user_id == user.id, AuditEvent.event == "login_success")
                  .order_by(AuditEvent.id.desc()).first())
    return AdminUserDetail(
        user=_with_totp([user])[0],
        sessions=listed(user.id, current=0),
        recovery_codes_left=unused_recovery_codes(user.id),
        passkeys=Passkey.select().where(Passkey.user == user.id).count(),
        last_login_at=last_login.created_at if last_login else None,
        events=[AuditEntry(at=row.created_at, event=row.event, ip=row.ip, detail=row.detail)
                for row in events],
    )


@serves(calls.ADMIN_SHOW_USER)
async def admin_show_user(ctx: Context, request: AdminUserRequest,
                          caller: Caller) -> AdminUserDetail:
    """A view, not an act: recorded in the admin's own trail, so the account's event list
    shows what happened to it, not who looked."""
    admin = caller.signed_in
    user = await target(ctx, request.user_id)
    detail = await ctx.store.run(_detail, user)
    await record(ctx, caller, admin, "show_user", admin.user,
                 f": {user.username} (id {user.id})")
    return detail
