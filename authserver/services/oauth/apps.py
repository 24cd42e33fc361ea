"""A person's apps: which apps hold a standing grant of theirs (the account page lists
them, with their scopes and when they last got tokens), and removing one.

Removing an app revokes every grant the person gave it (so every token those gave stops
working at once, offline ones included), forgets the consent (the app must ask again),
and owes the app a back-channel logout token for each session it was signed in from.
"""

from peewee import JOIN

from authserver.errors import ServiceError
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.services.oauth import backchannel
from authserver.services.registry import serves
from authserver.store.models import (
    OAuthClient,
    OAuthConsent,
    OAuthGrant,
    Session,
    database_proxy,
    utcnow,
)
from contracts import Status
from contracts import service as calls
from contracts.messages import AppInfo, AppList, Empty, Notice, RevokeAppRequest

REMOVED = "app_removed"


def _standing(user_id: int):
    """The person's grants that stand: not revoked, and offline or their session live."""
    session_live = (Session.id.is_null(False) & Session.revoked_at.is_null()
                    & (Session.expires_at > utcnow()))
    return ((OAuthGrant.user == user_id) & OAuthGrant.revoked_at.is_null()
            & ((OAuthGrant.offline_access == True) | session_live))  # noqa: E712 - SQL


def listed(user_id: int) -> list[AppInfo]:
    """One entry per app: the scopes of its standing grants together, the first time the
    person let it in, and its last use."""
    rows = (OAuthGrant.select(OAuthGrant, OAuthClient)
            .join(OAuthClient).switch(OAuthGrant)
            .join(Session, JOIN.LEFT_OUTER, on=(OAuthGrant.session_id == Session.id))
            .where(_standing(user_id)).order_by(OAuthGrant.id))
    found: dict[str, dict] = {}
    for grant in rows:
        app = found.setdefault(grant.client.client_id, {
            "client_id": grant.client.client_id, "name": grant.client.name, "scopes": [],
            "authorized_at": grant.created_at, "last_used_at": None,
            "offline_access": False})
        app["scopes"] += [s for s in grant.scope.split() if s not in app["scopes"]]
        app["offline_access"] |= bool(grant.offline_access)
        used = grant.last_used_at
        if used is not None and (app["last_used_at"] is None or used > app["last_used_at"]):
            app["last_used_at"] = used
    apps = [AppInfo(**app) for app in found.values()]
    return sorted(apps, key=lambda app: app.last_used_at or app.authorized_at, reverse=True)


def _revoke(user_id: int, client_id: str) -> str | None:
    """Revoke the person's grants to the app and forget the consent, in one transaction
    with the logout tokens owed; the app's name, or None if it held no standing grant."""
    client = OAuthClient.get_or_none(OAuthClient.client_id == client_id)
    if client is None:
        return None
    with database_proxy.obj.atomic():
        ids = [row.id for row in
               OAuthGrant.select(OAuthGrant.id)
               .join(Session, JOIN.LEFT_OUTER, on=(OAuthGrant.session_id == Session.id))
               .where(_standing(user_id), OAuthGrant.client == client.id)]
        if not ids:
            return None
        OAuthGrant.update(revoked_at=utcnow(), revoked_reason=REMOVED).where(
            OAuthGrant.id.in_(ids), OAuthGrant.revoked_at.is_null()).execute()
        OAuthConsent.delete().where(OAuthConsent.user == user_id,
                                    OAuthConsent.client == client.id).execute()
        backchannel.queue_for_grants(ids)
    return client.name


@serves(calls.LIST_APPS)
async def list_apps(ctx: Context, request: Empty, caller: Caller) -> AppList:
    signed_in = caller.signed_in
    return AppList(apps=await ctx.store.run(listed, signed_in.user.id))


@serves(calls.REVOKE_APP)
async def revoke_app(ctx: Context, request: RevokeAppRequest, caller: Caller) -> Notice:
    """Any client id the person gave no standing grant is NOT_FOUND, whether the app
    exists or not (so the call tells nothing about other people's apps)."""
    signed_in = caller.signed_in
    name = await ctx.store.run(_revoke, signed_in.user.id, request.client_id)
    if name is None:
        raise ServiceError(Status.NOT_FOUND, "No app of yours has that client id.",
                           field="client_id")
    ctx.logouts_queued()
    await audit.record(ctx, "oauth_app_revoked", caller, user=signed_in.user,
                       detail=request.client_id)
    return Notice(message=f"{name} no longer has access to your account.")
