"""Which account an outside identity opens: by its (issuer, sub) only, never by an email
address alone (matching by an unverified or reassigned address is how "nOAuth"-style
takeovers and pre-account hijacking happen).

- A known (issuer, sub) opens its linked account.
- A person signed in here who asked to link gets the link (and a mail to the account).
- An unknown one whose address a local account holds is refused: the owner signs in the
  usual way and links from the Account page. Only a provider the operator marked
  `trust_email` links such an address by itself (when the provider says it is verified).
- Otherwise a new account is made, when the provider allows sign-up and says the address
  is verified; its username is derived and made unique under the look-alike rule.
"""

import re
import secrets
from dataclasses import dataclass

from peewee import IntegrityError

from authserver.errors import ServiceError
from authserver.mail import outbox
from authserver.mail.compose import provider_linked_letter
from authserver.security.lookalikes import skeleton
from authserver.services import audit
from authserver.services.accounts.lookup import DISABLED
from authserver.services.context import Caller, Context
from authserver.services.providers.registry import Provider, find_by_id
from authserver.services.providers.relying_party import FlowState, Identity
from authserver.store.models import Passkey, ProviderLink, Session, User, database_proxy, utcnow
from contracts import Status
from contracts.fields import lookup_key

HELD_BY_LOCAL = ("An account here already uses this email address. Sign in to it with its "
                 "password, then link {provider} on the Account page.")
NOT_VERIFIED = "{provider} does not say this email address is verified: no account was made."
NO_SIGNUP = "{provider} signs in only to accounts already linked to it."


@dataclass(frozen=True)
class Outcome:
    user: User
    how: str  # "login", "signup" or "linked"


def _refuse(status: Status, message: str) -> ServiceError:
    return ServiceError(status, message)


def linked_user(issuer: str, subject: str) -> User | None:
    link = ProviderLink.get_or_none(ProviderLink.issuer == issuer,
                                    ProviderLink.subject == subject)
    if link is None:
        return None
    ProviderLink.update(last_used_at=utcnow()).where(ProviderLink.id == link.id).execute()
    return User.get_by_id(link.user_id)


def _link(user_id: int, provider: Provider, identity: Identity) -> bool:
    """Link and queue the owner's notice in one transaction; False when the account has
    this provider linked already, or the identity is another account's."""
    user = User.get_by_id(user_id)
    try:
        with database_proxy.obj.atomic():
            ProviderLink.create(user=user_id, provider=provider.id, issuer=identity.issuer,
                                subject=identity.subject, email=identity.email)
            outbox.queue(provider_linked_letter(recipient=user.email, username=user.username,
                                                provider=provider.button_label))
    except IntegrityError:
        return False
    return True


def live_session_of(session_id: int, user_id: int) -> bool:
    return Session.select().where(
        Session.id == session_id, Session.user == user_id, Session.revoked_at.is_null(),
        Session.expires_at > utcnow()).exists()


def _holder_of(email: str) -> User | None:
    return User.get_or_none(User.email_key == lookup_key(email))


def _username_base(identity: Identity) -> str:
    for candidate in (identity.preferred_username, (identity.email or "").split("@")[0],
                      identity.name):
        cleaned = re.sub(r"[^A-Za-z0-9_.-]", "", (candidate or "").replace(" ", "."))[:28]
        if len(cleaned) >= 3:
            return cleaned
    return "user"


def _create(provider: Provider, identity: Identity) -> User | None:
    """A new verified account without a password (the reset flow sets one), linked; None
    when the address was taken meanwhile. The name takes a suffix until neither it nor a
    look-alike is taken."""
    assert identity.email is not None
    base = _username_base(identity)
    for attempt in range(20):
        username = base if attempt == 0 else f"{base[:27]}-{secrets.randbelow(10**4):04d}"
        if User.select().where((User.username_key == lookup_key(username))
                               | (User.username_skeleton == skeleton(username))).exists():
            continue
        try:
            with database_proxy.obj.atomic():
                user = User.create(
                    username=username, username_key=lookup_key(username),
                    username_skeleton=skeleton(username), email=identity.email,
                    email_key=lookup_key(identity.email), password_hash="", is_verified=True)
                ProviderLink.create(user=user.id, provider=provider.id, issuer=identity.issuer,
                                    subject=identity.subject, email=identity.email)
            return user
        except IntegrityError:
            if _holder_of(identity.email) is not None:
                return None
    return None


async def _refused(ctx: Context, caller: Caller, provider: Provider, reason: str,
                   error: ServiceError, user: User | None = None) -> ServiceError:
    await audit.record(ctx, "provider_refused", caller, user=user,
                       detail=f"{provider.name}: {reason}")
    return error


async def resolve(ctx: Context, provider: Provider, identity: Identity, flow: FlowState,
                  caller: Caller) -> Outcome:
    """The account this verified identity opens, linking or creating it when allowed;
    a refusal (audited) otherwise."""
    label = provider.button_label
    user = await ctx.store.run(linked_user, identity.issuer, identity.subject)
    if user is not None:
        if flow.link_user is not None and flow.link_user != user.id:
            raise await _refused(ctx, caller, provider, "identity linked to another account",
                                 ServiceError(Status.ALREADY_EXISTS, "This identity at "
                                              f"{label} is linked to another account."))
        if user.disabled_at is not None:
            raise await _refused(ctx, caller, provider, "account disabled",
                                 ServiceError(Status.PERMISSION_DENIED, DISABLED), user)
        return Outcome(user, "login")
    if flow.link_user is not None:
        return await _link_signed_in(ctx, provider, identity, flow, caller)
    holder = await ctx.store.run(_holder_of, identity.email) if identity.email else None
    if holder is not None:
        if provider.trust_email and identity.email_verified:
            if holder.disabled_at is not None:
                raise await _refused(ctx, caller, provider, "account disabled",
                                     ServiceError(Status.PERMISSION_DENIED, DISABLED), holder)
            if await ctx.store.run(_link, holder.id, provider, identity):
                ctx.mail_queued()
                await audit.record(ctx, "provider_linked", caller, user=holder,
                                   detail=f"{provider.name}: by trusted email")
                return Outcome(holder, "linked")
        raise await _refused(ctx, caller, provider, "email held by a local account",
                             ServiceError(Status.ALREADY_EXISTS,
                                          HELD_BY_LOCAL.format(provider=label)), holder)
    if not provider.allow_signup:
        raise await _refused(ctx, caller, provider, "sign-up not allowed",
                             ServiceError(Status.PERMISSION_DENIED,
                                          NO_SIGNUP.format(provider=label)))
    if not identity.email or not identity.email_verified:
        raise await _refused(ctx, caller, provider, "email not verified",
                             ServiceError(Status.PERMISSION_DENIED,
                                          NOT_VERIFIED.format(provider=label)))
    created = await ctx.store.run(_create, provider, identity)
    if created is None:
        raise await _refused(ctx, caller, provider, "email taken meanwhile",
                             ServiceError(Status.ALREADY_EXISTS,
                                          HELD_BY_LOCAL.format(provider=label)))
    await audit.record(ctx, "provider_signup", caller, user=created, detail=provider.name)
    return Outcome(created, "signup")


async def _link_signed_in(ctx: Context, provider: Provider, identity: Identity,
                          flow: FlowState, caller: Caller) -> Outcome:
    """A person signed in here (password and second factor, the usual way) links it."""
    assert flow.link_user is not None and flow.link_session is not None
    if not await ctx.store.run(live_session_of, flow.link_session, flow.link_user):
        raise await _refused(ctx, caller, provider, "linking session ended", ServiceError(
            Status.UNAUTHENTICATED, "The session that asked to link has ended. Sign in again."))
    if not await ctx.store.run(_link, flow.link_user, provider, identity):
        raise await _refused(ctx, caller, provider, "already linked", ServiceError(
            Status.ALREADY_EXISTS, f"This account has {provider.button_label} linked already."))
    ctx.mail_queued()
    user = await ctx.store.run(User.get_by_id, flow.link_user)
    await audit.record(ctx, "provider_linked", caller, user=user, detail=provider.name)
    return Outcome(user, "linked")


# --- the account's own links ----------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    provider: str
    button_label: str
    email: str | None
    created_at: str


def _links_of(user_id: int) -> list[LinkView]:
    views = []
    for link in ProviderLink.select().where(ProviderLink.user == user_id).order_by(
            ProviderLink.id):
        provider = find_by_id(link.provider_id)
        if provider is not None:
            views.append(LinkView(provider.name, provider.button_label, link.email,
                                  link.created_at.isoformat() + "Z"))
    return views


async def links_of(ctx: Context, user_id: int) -> list[LinkView]:
    return await ctx.store.run(_links_of, user_id)


def _unlink(user_id: int, provider_name: str) -> str | None:
    """Remove the link unless it is the account's last way in (a password, a passkey or
    another link); None when done, else why not."""
    with database_proxy.obj.atomic():
        links = list(ProviderLink.select().where(ProviderLink.user == user_id))
        named = [link for link in links if (p := find_by_id(link.provider_id)) is not None
                 and p.name == provider_name]
        if not named:
            return "not linked"
        user = User.get_by_id(user_id)
        other_ways = (bool(user.password_hash) or len(links) > 1
                      or Passkey.select().where(Passkey.user == user_id).exists())
        if not other_ways:
            return "last way in"
        ProviderLink.delete().where(ProviderLink.id == named[0].id).execute()
    return None


async def unlink(ctx: Context, user: User, provider_name: str, caller: Caller) -> None:
    why_not = await ctx.store.run(_unlink, user.id, provider_name)
    if why_not == "not linked":
        raise ServiceError(Status.NOT_FOUND, f"{provider_name!r} is not linked to this account.")
    if why_not == "last way in":
        await audit.record(ctx, "provider_refused", caller, user=user,
                           detail=f"{provider_name}: unlink of the last way in")
        raise ServiceError(Status.FAILED_PRECONDITION,
                           "This is the account's only way in: set a password first "
                           "(\"Forgot password?\" on the login page sends a reset code).")
    await audit.record(ctx, "provider_unlinked", caller, user=user, detail=provider_name)
