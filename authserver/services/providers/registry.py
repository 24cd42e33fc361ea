"""The outside providers the operator added: name, issuer, the client registered there,
and what the operator trusts of it. The client secret is sealed with a key derived from
SECRET_KEY (security/secretbox.py) under a label of its own: a copy of the database alone
does not give it away."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from peewee import IntegrityError

from authserver.errors import ServiceError, invalid
from authserver.security.secretbox import SecretBox
from authserver.services import audit
from authserver.services.context import Caller, Context
from authserver.store.models import OutsideProvider, utcnow
from contracts import Status

SECRET_LABEL = b"authserver outside provider client secret v1"
DEFAULT_SCOPES = ("openid", "email", "profile")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Provider:
    """An outside provider as the flow reads it (the secret still sealed)."""

    id: int
    name: str
    issuer: str
    client_id: str
    sealed_secret: str
    scopes: tuple[str, ...]
    button_label: str
    allow_signup: bool
    trust_email: bool
    trust_amr: bool

    def secret(self, secret_key: str, previous: str | None = None) -> str:
        """The client secret, sealed under SECRET_KEY or (during a rotation) the
        previous key."""
        return _box(secret_key, previous).open(self.sealed_secret)

    def shown(self) -> dict:
        """What the operator sees (never the secret)."""
        return {"name": self.name, "issuer": self.issuer, "client_id": self.client_id,
                "scopes": list(self.scopes), "button_label": self.button_label,
                "allow_signup": self.allow_signup, "trust_email": self.trust_email,
                "trust_amr": self.trust_amr}


@dataclass
class ProviderSpec:
    """What the operator asks for; None leaves a field as it is (update)."""

    name: str | None = None
    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scopes: list[str] | None = None
    button_label: str | None = None
    allow_signup: bool | None = None
    trust_email: bool | None = None
    trust_amr: bool | None = None


def _box(secret_key: str, previous: str | None = None) -> SecretBox:
    return SecretBox(secret_key, label=SECRET_LABEL, previous=previous)


def _record(row: OutsideProvider) -> Provider:
    return Provider(id=row.id, name=row.name, issuer=row.issuer, client_id=row.client_id,
                    sealed_secret=row.client_secret, scopes=tuple(row.scopes.split()),
                    button_label=row.button_label, allow_signup=row.allow_signup,
                    trust_email=row.trust_email, trust_amr=row.trust_amr)


def find(name: str) -> Provider | None:
    row = OutsideProvider.get_or_none(OutsideProvider.name == name)
    return _record(row) if row is not None else None


def find_by_id(ident: int) -> Provider | None:
    row = OutsideProvider.get_or_none(OutsideProvider.id == ident)
    return _record(row) if row is not None else None


def _all() -> list[Provider]:
    return [_record(row) for row in OutsideProvider.select().order_by(OutsideProvider.name)]


def check_issuer(issuer: str) -> str:
    """An issuer is an https URL without query or fragment (OIDC Discovery 2); plain http
    is taken for loopback hosts only, as tests and development run them."""
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (parts.scheme != "https" and not (parts.scheme == "http" and loopback)) \
            or not parts.netloc or parts.query or parts.fragment or len(issuer) > 500:
        raise invalid("the issuer must be an https URL without query or fragment "
                      f"(http only on a loopback host): {issuer!r}")
    return issuer.rstrip("/") if parts.path in ("", "/") else issuer


def _columns(spec: ProviderSpec, secret_key: str) -> dict:
    columns: dict = {}
    if spec.name is not None:
        if not NAME.match(spec.name):
            raise invalid("a provider's name is 1 to 40 lower-case letters, digits and "
                          "dashes (it is part of its URLs)")
        columns["name"] = spec.name
    if spec.issuer is not None:
        columns["issuer"] = check_issuer(spec.issuer)
    if spec.client_id is not None:
        if not spec.client_id.strip() or len(spec.client_id) > 255:
            raise invalid("the client id must be 1 to 255 characters")
        columns["client_id"] = spec.client_id.strip()
    if spec.client_secret is not None:
        if not spec.client_secret.strip():
            raise invalid("the client secret is empty")
        columns["client_secret"] = _box(secret_key).seal(spec.client_secret.strip())
    if spec.scopes is not None:
        scopes = list(dict.fromkeys(["openid", *spec.scopes]))
        if any(not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e]+", scope) for scope in scopes):
            raise invalid("a scope is printable ASCII without spaces, quotes or backslashes")
        columns["scopes"] = " ".join(scopes)
    if spec.button_label is not None:
        if not spec.button_label.strip() or len(spec.button_label) > 100:
            raise invalid("the button label must be 1 to 100 characters")
        columns["button_label"] = spec.button_label.strip()
    for name in ("allow_signup", "trust_email", "trust_amr"):
        if getattr(spec, name) is not None:
            columns[name] = getattr(spec, name)
    return columns


def _create(columns: dict) -> Provider | None:
    now = utcnow()
    try:
        row = OutsideProvider.create(created_at=now, updated_at=now, **columns)
    except IntegrityError:
        return None
    return _record(row)


async def add(ctx: Context, spec: ProviderSpec, caller: Caller) -> Provider:
    if not (spec.name and spec.issuer and spec.client_id and spec.client_secret):
        raise invalid("a provider needs a name, its issuer, a client id and a client secret")
    columns = _columns(spec, ctx.settings.secret_key)
    columns.setdefault("scopes", " ".join(DEFAULT_SCOPES))
    columns.setdefault("button_label", f"Continue with {spec.name}")
    provider = await ctx.store.run(_create, columns)
    if provider is None:
        raise ServiceError(Status.ALREADY_EXISTS, f"There is already a provider {spec.name!r}.")
    await audit.record(ctx, "provider_added", caller,
                       detail=f"{provider.name} {provider.issuer}"
                       + (" trust-email" if provider.trust_email else ""))
    return provider


async def listed(ctx: Context) -> list[Provider]:
    return await ctx.store.run(_all)


async def show(ctx: Context, name: str) -> Provider:
    provider = await ctx.store.run(find, name)
    if provider is None:
        raise ServiceError(Status.NOT_FOUND, f"There is no provider {name!r}.")
    return provider


def _update(name: str, columns: dict) -> Provider | None:
    try:
        OutsideProvider.update(updated_at=utcnow(), **columns).where(
            OutsideProvider.name == name).execute()
    except IntegrityError:
        raise ServiceError(Status.ALREADY_EXISTS,
                           f"There is already a provider {columns.get('name')!r}.") from None
    return find(columns.get("name", name))


async def update(ctx: Context, name: str, spec: ProviderSpec, caller: Caller) -> Provider:
    provider = await ctx.store.run(_update, name, _columns(spec, ctx.settings.secret_key))
    if provider is None:
        raise ServiceError(Status.NOT_FOUND, f"There is no provider {name!r}.")
    changed = sorted(name for name, value in vars(spec).items() if value is not None)
    await audit.record(ctx, "provider_updated", caller,
                       detail=f"{provider.name}: {' '.join(changed)}")
    return provider


def _delete(name: str) -> int:
    return OutsideProvider.delete().where(OutsideProvider.name == name).execute()


async def remove(ctx: Context, name: str, caller: Caller) -> None:
    """Remove a provider; its links go with it (cascade), so its accounts sign in the
    other ways they have."""
    if not await ctx.store.run(_delete, name):
        raise ServiceError(Status.NOT_FOUND, f"There is no provider {name!r}.")
    await audit.record(ctx, "provider_removed", caller, detail=name)
