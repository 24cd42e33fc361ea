"""Settings: read once from the environment, validated with marshmallow, frozen.

Every bad variable is reported in one message (`SettingsError`), so an operator fixes
them all at once. The settings object is passed down explicitly; nothing reads the
environment after start-up.
"""

import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from authserver.security.ratelimit import DEFAULT_LIMITS, parse_rates
from authserver.store.urls import sqlite_path

SECRET_FILE_NAME = "authserver.secret"  # noqa: S105 - a file name, not a secret


class SettingsError(Exception):
    """One or more variables are wrong; the message lists each of them."""


class _CommaList(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return tuple(item.strip() for item in value.split(",") if item.strip())


class _Rates(fields.String):
    """A rate-limit spec such as "5/15minutes;100/day" (see authserver/security/ratelimit.py)."""

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


def _limit(name: str) -> _Rates:
    return _Rates(load_default=DEFAULT_LIMITS[name])


def _url(schemes):
    return validate.Regexp(
        rf"^({'|'.join(schemes)})://", error=f"must start with one of: {', '.join(schemes)}://"
    )


class _EnvironmentSchema(Schema):
    """The variables of the fixed interface (and a few extensions), as strings in."""

    class Meta:
        unknown = RAISE

    AUTHSERVER_ENV = fields.String(
        load_default="development", validate=validate.OneOf(["development", "production"])
    )
    PORT = fields.Integer(load_default=5000, validate=validate.Range(1, 65535))
    HOST = fields.String(load_default="0.0.0.0", validate=validate.Length(min=1))
    DATABASE_URL = fields.String(
        load_default="sqlite:///auth.db", validate=_url(["sqlite", "postgresql", "postgres"])
    )
    SECRET_KEY = fields.String(load_default=None, validate=validate.Length(min=16))
    BCRYPT_ROUNDS = fields.Integer(load_default=12, validate=validate.Range(4, 16))
    SMTP_SERVER = fields.String(load_default=None)
    SMTP_PORT = fields.Integer(load_default=587, validate=validate.Range(1, 65535))
    SMTP_USERNAME = fields.String(load_default=None)
    SMTP_PASSWORD = fields.String(load_default=None)
    SMTP_SECURITY = fields.String(
        load_default="starttls", validate=validate.OneOf(["starttls", "ssl", "none"])
    )
    SMTP_TIMEOUT = fields.Float(load_default=10.0, validate=validate.Range(0.1, 300))
    FROM_EMAIL = fields.String(load_default="authserver@localhost")
    REDIS_URL = fields.String(load_default=None, validate=_url(["redis", "rediss", "unix"]))
    ALLOWED_ORIGINS = _CommaList(load_default=())
    TRUSTED_PROXIES = _CommaList(load_default=())
    WORKERS = fields.Integer(load_default=1, validate=validate.Range(1, 256))
    SESSION_TTL_HOURS = fields.Float(load_default=24.0, validate=validate.Range(0.001, 24 * 365))
    UNVERIFIED_ACCOUNT_TTL_HOURS = fields.Float(
        load_default=72.0, validate=validate.Range(0.0001, 24 * 365)
    )
    RATE_LIMITS = fields.String(load_default="on", validate=validate.OneOf(["on", "off"]))
    RATE_LIMIT_SCALE = fields.Float(load_default=1.0, validate=validate.Range(0.0001, 10000))
    RATE_LIMIT_PREFIX = fields.String(
        load_default="authserver",
        validate=validate.Regexp(
            r"^[A-Za-z0-9_.:-]{1,64}$", error="1 to 64 of A-Z a-z 0-9 _ . : -"
        ),
    )
    LIMIT_LOGIN_ACCOUNT_IP = _limit("login_account_ip")
    LIMIT_LOGIN_ACCOUNT = _limit("login_account")
    LIMIT_LOGIN_IP = _limit("login_ip")
    LIMIT_SIGNUP_IP = _limit("signup_ip")
    LIMIT_RESEND_ADDRESS = _limit("resend_address")
    LIMIT_RESEND_IP = _limit("resend_ip")
    LIMIT_CHAT_USER = _limit("chat_user")
    LIMIT_SOCKET_CONNECT_IP = _limit("socket_connect_ip")
    LIMIT_FORGOT_ADDRESS = _limit("forgot_address")
    LIMIT_FORGOT_IP = _limit("forgot_ip")
    LIMIT_RESET_IP = _limit("reset_ip")
    LIMIT_PASSWORD_CHECK_USER = _limit("password_check_user")
    LIMIT_EMAIL_CHANGE_USER = _limit("email_change_user")
    LIMIT_SECOND_FACTOR_USER = _limit("second_factor_user")
    LIMIT_ADMIN_USER = _limit("admin_user")
    LIMIT_PASSKEY_OPTIONS_IP = _limit("passkey_options_ip")

    @post_load
    def _blank_is_unset(self, data, **kwargs):
        return {key: (None if value == "" else value) for key, value in data.items()}


@dataclass(frozen=True)
class Settings:
    """Everything the server is told by its operator, checked."""

    environment: str = "development"
    port: int = 5000
    host: str = "0.0.0.0"
    database_url: str = "sqlite:///auth.db"
    secret_key: str = field(default="", repr=False)
    bcrypt_rounds: int = 12
    smtp_server: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "starttls"
    smtp_timeout: float = 10.0
    from_email: str = "authserver@localhost"
    redis_url: str | None = None
    allowed_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    workers: int = 1
    session_ttl_hours: float = 24.0
    unverified_account_ttl_hours: float = 72.0
    rate_limits: bool = True
    rate_limit_scale: float = 1.0
    rate_limit_prefix: str = "authserver"
    # limit name (see security/ratelimit.py) -> its rates, from LIMIT_<NAME>
    limits: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    @property
    def production(self) -> bool:
        return self.environment == "production"


_ENV_TO_FIELD = {
    "AUTHSERVER_ENV": "environment",
    "RATE_LIMITS": "rate_limits",
}


def _known_variables() -> set[str]:
    return set(_EnvironmentSchema().fields)


def load_settings(environ: dict[str, str] | None = None, **overrides) -> Settings:
    """Read and check the environment; `overrides` (from flags) win over variables.

    Raises SettingsError naming every bad variable. In development an unset SECRET_KEY
    is generated once and kept in a 0600 file beside the SQLite database (or in the
    working directory for PostgreSQL), so codes and sessions survive restarts.
    """
    environ = os.environ if environ is None else environ
    raw = {name: environ[name] for name in _known_variables() if name in environ}
    raw.update({name: str(value) for name, value in overrides.items() if value is not None})
    try:
        loaded = _EnvironmentSchema().load(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in sorted(exc.messages.items())
        )
        raise SettingsError(f"bad settings: {problems}") from None
    values = {_ENV_TO_FIELD.get(name, name.lower()): value for name, value in loaded.items()}
    values["rate_limits"] = values["rate_limits"] == "on"
    values["limits"] = {
        name[len("limit_"):]: values.pop(name) for name in list(values) if name.startswith("limit_")
    }
    if values["secret_key"] is None:
        if values["environment"] == "production":
            raise SettingsError("bad settings: SECRET_KEY: required when AUTHSERVER_ENV=production")
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
