"""Settings: read once from the environment, validated with marshmallow, frozen.

Each setting is declared once, as a field of `Settings`: its variable, type, default,
bounds and the sentence that explains it. The marshmallow schema that reads the
environment and the table of docs/configuration.md are derived from those declarations (a
test holds the table to them). Every bad variable is reported in one message
(`SettingsError`), so an operator fixes them all at once. The settings object is passed
down explicitly; nothing reads the environment after start-up.
"""

import ipaddress
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, validate
from marshmallow import fields as kinds

from authserver.database_urls import sqlite_path
from authserver.security.ratelimit.rules import DEFAULT_LIMITS, parse_rates

SECRET_FILE_NAME = "authserver.secret"  # noqa: S105 - a file name, not a secret


class SettingsError(Exception):
    """One or more variables are wrong: `problems` holds one sentence for each, and the
    message is those sentences, one a line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _CommaList(kinds.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return tuple(item.strip() for item in value.split(",") if item.strip())


class _Networks(_CommaList):
    """Addresses or networks such as "127.0.0.1/8,10.0.0.0/8,::1"."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValidationError(f"{item!r} is not an address or network") from None
        return items


class _OnOff(kinds.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if value not in ("on", "off"):
            raise ValidationError("must be one of: on, off")
        return value == "on"


class _Rates(kinds.String):
    """A rate-limit spec such as "5/15minutes;100/day" (see security/ratelimit/rules.py)."""

    def _deserialize(self, value, attr, data, **kwargs):
        spec = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_rates(spec)
        except ValueError:
            raise ValidationError(
                "must be rates like '5/15minutes' or '1/minute;10/day' "
                "(count/[n]second|minute|hour|day, ';' between rates)"
            ) from None
        return spec


def _url(*schemes: str) -> validate.Regexp:
    return validate.Regexp(
        rf"^({'|'.join(schemes)})://", error=f"must start with one of: {', '.join(schemes)}://"
    )


def _port() -> validate.Range:
    return validate.Range(1, 65535)


_REDIS_PREFIX = validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$", error="1 to 64 of A-Z a-z 0-9 _ . : -")


def setting(variable: str, default: Any, kind: type[kinds.Field], meaning: str, *,
            validator: Any = None, shown: str | None = None, secret: bool = False) -> Any:
    """Declare one setting: the variable that sets it, its default, the marshmallow field
    type (and validator) that reads it, and what it means. `shown` is how the docs write
    the default when its value alone would not say it (a generated secret, say)."""
    return field(
        default=default,
        repr=not secret,
        metadata={"variable": variable, "kind": kind, "validator": validator,
                  "meaning": meaning, "shown": shown},
    )


@dataclass(frozen=True)
class Settings:
    """Everything the server is told by its operator, checked."""

    port: int = setting("PORT", 5000, kinds.Integer, "port to listen on", validator=_port())
    host: str = setting("HOST", "0.0.0.0", kinds.String, "address to listen on",
                        validator=validate.Length(min=1))
    database_url: str = setting(
        "DATABASE_URL", "sqlite:///auth.db", kinds.String,
        "`sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://user@host/db`; "
        "the schema is created and migrated at start-up",
        validator=_url("sqlite", "postgresql", "postgres"))
    secret_key: str = setting(
        "SECRET_KEY", None, kinds.String,
        "keys the HMACs of every code (verification, reset, email change, recovery codes), "
        "the encryption of TOTP secrets and the signatures of device cookies; unset in "
        "development it is generated once and "
        "kept (mode 0600) in `authserver.secret` beside the SQLite database (or in the "
        "working folder); required with `AUTHSERVER_ENV=production`",
        validator=validate.Length(min=16), shown="generated", secret=True)
    secret_key_previous: str | None = setting(
        "SECRET_KEY_PREVIOUS", None, kinds.String,
        "the SECRET_KEY before a rotation: sealed secrets (TOTP seeds, queued mail) still "
        "open with it until `authserver secret rotate` re-seals them under SECRET_KEY",
        validator=validate.Length(min=16), secret=True)
    environment: str = setting(
        "AUTHSERVER_ENV", "development", kinds.String,
        "`production` refuses to start without `SECRET_KEY`, and without `SMTP_SERVER` "
        "unless `MAIL_BACKEND=console`",
        validator=validate.OneOf(["development", "production"]))
    bcrypt_rounds: int = setting("BCRYPT_ROUNDS", 12, kinds.Integer, "bcrypt cost, 4 to 16",
                                 validator=validate.Range(4, 16))
    session_ttl_hours: float = setting("SESSION_TTL_HOURS", 24.0, kinds.Float,
                                       "lifetime of a session token",
                                       validator=validate.Range(0.001, 24 * 365))
    approval_timeout_seconds: float = setting(
        "APPROVAL_TIMEOUT_SECONDS", 120.0, kinds.Float,
        "how long a request to approve a sign-in from a signed-in device stays open",
        validator=validate.Range(0.5, 600))
    unverified_account_ttl_hours: float = setting(
        "UNVERIFIED_ACCOUNT_TTL_HOURS", 72.0, kinds.Float,
        "an account whose address is not verified by then is replaced by the next sign-up "
        "for its username or address",
        validator=validate.Range(0.0001, 24 * 365))
    smtp_server: str | None = setting("SMTP_SERVER", None, kinds.String,
                                      "unset: mail is printed on the console")
    smtp_port: int = setting("SMTP_PORT", 587, kinds.Integer, "port of the SMTP server",
                             validator=_port())
    smtp_username: str | None = setting("SMTP_USERNAME", None, kinds.String,
                                        "log in to the SMTP server when it is set")
    smtp_password: str | None = setting("SMTP_PASSWORD", None, kinds.String,
                                        "the SMTP login's password", secret=True)
    smtp_security: str = setting("SMTP_SECURITY", "starttls", kinds.String,
                                 "`starttls`, `ssl` or `none`",
                                 validator=validate.OneOf(["starttls", "ssl", "none"]))
    smtp_timeout: float = setting("SMTP_TIMEOUT", 10.0, kinds.Float,
                                  "seconds per SMTP exchange", validator=validate.Range(0.1, 300))
    from_email: str = setting("FROM_EMAIL", "authserver@localhost", kinds.String,
                              "sender address")
    mail_backend: str | None = setting(
        "MAIL_BACKEND", None, kinds.String,
        "`smtp` or `console`; unset: SMTP when `SMTP_SERVER` is set, else the console",
        validator=validate.OneOf(["smtp", "console"]))
    redis_url: str | None = setting(
        "REDIS_URL", None, kinds.String,
        "unset: one process, rate limits and presence in memory; set: Socket.IO rooms, "
        "presence and rate limits shared by every process",
        validator=_url("redis", "rediss", "unix"))
    allowed_origins: tuple[str, ...] = setting(
        "ALLOWED_ORIGINS", (), _CommaList,
        "comma-separated origins allowed besides the server's own (CORS for `/api`, Socket.IO)")
    trusted_proxies: tuple[str, ...] = setting(
        "TRUSTED_PROXIES", (), _CommaList,
        "comma-separated addresses or networks whose `X-Forwarded-For` and "
        "`X-Forwarded-Proto` are believed")
    public_url: str | None = setting(
        "PUBLIC_URL", None, kinds.String,
        "the site's own origin as browsers see it (`https://auth.example.com`); unset: the "
        "scheme and `Host` of each request",
        validator=validate.Regexp(r"^https?://[^/?#\s]+/?$",
                                  error="must be an origin like https://auth.example.com"))
    retention_days: float = setting(
        "RETENTION_DAYS", 30.0, kinds.Float,
        "audit rows and sent mail older than this are deleted (hourly); expired sessions are "
        "deleted too",
        validator=validate.Range(0.001, 36500))
    workers: int = setting("WORKERS", 1, kinds.Integer,
                           "worker processes sharing the port; more than 1 needs `REDIS_URL`",
                           validator=validate.Range(1, 256))
    metrics_allow: tuple[str, ...] = setting(
        "METRICS_ALLOW", ("127.0.0.1/8", "::1/128"), _Networks,
        "addresses or networks that may read `/metrics`", shown="`127.0.0.1/8,::1/128`")
    metrics_token: str | None = setting(
        "METRICS_TOKEN", None, kinds.String,
        "a bearer token (16+ characters) that may read `/metrics` from anywhere",
        validator=validate.Length(min=16), secret=True)
    log_format: str = setting("LOG_FORMAT", "text", kinds.String,
                              "`json`: one JSON object per log line",
                              validator=validate.OneOf(["text", "json"]))
    rate_limits: bool = setting("RATE_LIMITS", True, _OnOff,
                                "`off` disables every rate limit (load tests only)")
    rate_limit_scale: float = setting("RATE_LIMIT_SCALE", 1.0, kinds.Float,
                                      "multiplies every limit's count",
                                      validator=validate.Range(0.0001, 10000))
    redis_prefix: str = setting(
        "REDIS_PREFIX", "authserver", kinds.String,
        "prefix of everything kept in Redis: the Socket.IO channel, the ended-sessions "
        "channel, presence keys and rate-limit keys; deployments sharing one Redis need "
        "different ones",
        validator=_REDIS_PREFIX)
    rate_limit_prefix: str | None = setting(
        "RATE_LIMIT_PREFIX", None, kinds.String,
        "former name of `REDIS_PREFIX`, still read when `REDIS_PREFIX` is unset",
        validator=_REDIS_PREFIX)
    oidc_key_publish_seconds: float = setting(
        "OIDC_KEY_PUBLISH_SECONDS", 86400.0, kinds.Float,
        "after `authserver keys rotate`, the new signing key is published in the JWKS at "
        "once and signs tokens only this many seconds later, so apps' caches fetch it first",
        validator=validate.Range(0, 30 * 86400))
    oidc_access_token_seconds: int = setting(
        "OIDC_ACCESS_TOKEN_SECONDS", 600, kinds.Integer,
        "lifetime of an access token given to an app (a client may set its own)",
        validator=validate.Range(10, 86400))
    oidc_refresh_token_days: float = setting(
        "OIDC_REFRESH_TOKEN_DAYS", 30.0, kinds.Float,
        "lifetime of a refresh token; each use gives a new one (a client may set its own)",
        validator=validate.Range(0.001, 366))
    chat: bool = setting(
        "CHAT", True, _OnOff,
        "`off`: no chat; the socket still carries what sign-in needs (sessions ended and "
        "the like), `chat`, `history` and `who` are refused, the web UI has no Chat view")
    presence: str = setting(
        "PRESENCE", "everyone", kinds.String,
        "who may see who is online: `everyone`, `admins` or `off` (everyone always sees "
        "their own sessions)",
        validator=validate.OneOf(["everyone", "admins", "off"]))
    app_name: str = setting(
        "APP_NAME", "authserver", kinds.String,
        "the product's name in page titles, the web UI's header, mail and the TOTP issuer",
        validator=validate.Regexp(r"^[^\x00-\x1f:]{1,60}$",
                                  error="1 to 60 characters, no colon or control character"))
    support_email: str | None = setting(
        "SUPPORT_EMAIL", None, kinds.Email,
        "an address for help, named at the foot of every mail")
    # limit name (see security/ratelimit/rules.py) -> its rates, each from LIMIT_<NAME>
    limits: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    @property
    def mail_to_console(self) -> bool:
        """Is mail printed rather than sent? (Asked for, or no SMTP server named.)"""
        if self.mail_backend is not None:
            return self.mail_backend == "console"
        return not self.smtp_server


LIMITS_VARIABLE_PREFIX = "LIMIT_"


def declared() -> tuple[Field, ...]:
    """The declared settings (each with its variable), in the order of the docs' table."""
    return tuple(f for f in fields(Settings) if "variable" in f.metadata)


def _schema() -> Schema:
    declared_fields: dict[str, kinds.Field] = {}
    for declaration in declared():
        meta = declaration.metadata
        declared_fields[meta["variable"]] = meta["kind"](
            load_default=declaration.default, validate=meta["validator"],
            data_key=meta["variable"], attribute=declaration.name)
    for name, rates in DEFAULT_LIMITS.items():
        declared_fields[LIMITS_VARIABLE_PREFIX + name.upper()] = _Rates(load_default=rates)
    return Schema.from_dict(declared_fields)(unknown=RAISE)


def _known_variables() -> set[str]:
    return {d.metadata["variable"] for d in declared()} | {
        LIMITS_VARIABLE_PREFIX + name.upper() for name in DEFAULT_LIMITS}


def serving_problems(settings: Settings) -> list[str]:
    """Combinations of settings that would serve, but wrongly; one sentence each."""
    problems = []
    if settings.workers > 1 and sqlite_path(settings.database_url) is not None:
        problems.append(
            f"WORKERS={settings.workers} needs PostgreSQL: SQLite lets one process write at a "
            "time, so the workers would queue on each other's writes (\"database is "
            "locked\"); set DATABASE_URL=postgresql://... and REDIS_URL, or run one worker.")
    elif settings.workers > 1 and not settings.redis_url:
        problems.append(
            f"WORKERS={settings.workers} needs REDIS_URL, or chat, presence and rate limits "
            "would split between the workers: set REDIS_URL, or run one worker.")
    if settings.mail_backend == "smtp" and not settings.smtp_server:
        problems.append(
            "MAIL_BACKEND=smtp needs SMTP_SERVER: name the SMTP server to send through, or "
            "set MAIL_BACKEND=console to print mail on the console on purpose.")
    production = settings.environment == "production"
    if production and settings.mail_to_console and settings.mail_backend is None:
        problems.append(
            "AUTHSERVER_ENV=production needs SMTP_SERVER to mail codes: set it, or set "
            "MAIL_BACKEND=console to print mail on the console on purpose.")
    return problems


def load_settings(environ: Mapping[str, str] | None = None, *, serving: bool = False,
                  **overrides: object) -> Settings:
    """Read and check the environment; `overrides` (from flags) win over variables.

    Raises SettingsError naming every problem at once: each bad variable, and with
    `serving` each combination that would serve wrongly (`serving_problems`). In
    development an unset SECRET_KEY is generated once and kept in a 0600 file beside the
    SQLite database (or in the working directory for PostgreSQL), so codes and sessions
    survive restarts.
    """
    source = os.environ if environ is None else environ
    raw = {name: source[name] for name in _known_variables() if name in source}
    # A variable set but empty means "unset": its default applies.
    raw = {name: value for name, value in raw.items() if value != ""}
    raw.update({name: str(value) for name, value in overrides.items() if value is not None})
    problems: list[str] = []
    try:
        values = _schema().load(raw)
    except ValidationError as exc:
        problems = [f"{name}: {' '.join(messages)}"
                    for name, messages in sorted(exc.normalized_messages().items())]
        # The combinations are judged on what was read right, the rest at its defaults.
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        values = {**_schema().load({}), **valid}
    values["limits"] = {
        name: values.pop(LIMITS_VARIABLE_PREFIX + name.upper()) for name in DEFAULT_LIMITS
    }
    if "REDIS_PREFIX" not in raw and values["rate_limit_prefix"]:
        values["redis_prefix"] = values["rate_limit_prefix"]
    if values["secret_key"] is None and values["environment"] == "production":
        problems.append("SECRET_KEY: required when AUTHSERVER_ENV=production (at least 16 "
                        "random characters)")
        values["secret_key"] = ""
    if serving:
        problems += serving_problems(Settings(**values))
    if problems:
        raise SettingsError(problems)
    if values["secret_key"] is None:
        values["secret_key"] = _development_secret(values["database_url"])
    return Settings(**values)


def _development_secret(database_url: str) -> str:
    """The secret kept beside the database, created (mode 0600) on first use."""
    database_file = sqlite_path(database_url)
    folder = Path(database_file).parent if database_file else Path.cwd()
    secret_file = folder / SECRET_FILE_NAME
    try:
        return secret_file.read_text().strip()
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    descriptor = os.open(secret_file, flags, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    return secret
