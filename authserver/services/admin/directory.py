"""Finding users: a searched, paged list, and one user in detail (sessions, second
factors, last login, latest audit events)."""

from authserver.services.admin.access import record, target
from authserver.services.context import Caller, Context
from authserver.services.factors.checks import unused_recovery_codes
from authserver.services.registry import serves
from authserver.services.sessions.self_service import listed
from authserver.store.models import AuditEvent, Passkey, TotpFactor, User
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


def _page(request: AdminListRequest) -> AdminUserPage:
    query = User.select()
    words = request.query.strip().lower()
    if words:
        # The lower-cased keys; peewee escapes LIKE's own wildcards in `words`.
        query = query.where(User.username_key.contains(words) | User.email_key.contains(words))
    total = query.count()
    users = list(query.order_by(User.created_at.desc(), User.id.desc())
                 .offset(request.offset).limit(request.limit))
    return AdminUserPage(users=_with_totp(users), total=total)


@serves(calls.ADMIN_LIST_USERS)
async def admin_list_users(ctx: Context, request: AdminListRequest,
                           caller: Caller) -> AdminUserPage:
    admin = caller.signed_in
    page = await ctx.store.run(_page, request)
    await record(ctx, caller, admin, "list_users", admin.user,
                 f": {request.query[:60]!r} from {request.offset}")
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
