"""Settings: one declaration per setting, from which the schema derives (and the docs' table:
see tests/docs/test_reference.py)."""

import pytest

from authserver.settings import Settings, SettingsError, load_settings


def test_defaults_apply_and_an_empty_variable_is_unset(tmp_path):
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "SMTP_SERVER": "",
                              "PORT": ""})
    assert settings.port == 5000
    assert settings.smtp_server is None
    assert settings.rate_limits is True
    assert settings.limits["login_ip"] == Settings().limits["login_ip"]


def test_variables_and_overrides_are_read_and_typed(tmp_path):
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "RATE_LIMITS": "off",
         "ALLOWED_ORIGINS": "https://a.example, https://b.example", "LIMIT_LOGIN_IP": "3/minute",
         "AUTHSERVER_ENV": "production", "SECRET_KEY": "s" * 32, "PORT": "7000"},
        PORT=7001)
    assert settings.port == 7001
    assert settings.rate_limits is False
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.limits["login_ip"] == "3/minute"
    assert settings.environment == "production"


def test_every_bad_variable_is_named_in_one_message(tmp_path):
    with pytest.raises(SettingsError) as refused:
        load_settings({"DATABASE_URL": "mysql://x", "RATE_LIMITS": "maybe",
                       "LIMIT_CHAT_USER": "lots", "WORKERS": "0"})
    message = str(refused.value)
    for variable in ("DATABASE_URL", "RATE_LIMITS", "LIMIT_CHAT_USER", "WORKERS"):
        assert variable in message


def test_secrets_stay_out_of_the_settings_repr(tmp_path):
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db",
                              "SECRET_KEY": "k" * 32, "SMTP_PASSWORD": "hunter2hunter2"})
    assert "k" * 32 not in repr(settings)
    assert "hunter2" not in repr(settings)
