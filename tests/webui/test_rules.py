"""The web UI's field rules are the contracts' rules: the constants in js/rules.js and the
attributes of every input in index.html are read here and compared with the request
models each form sends, so a rule changed on one side fails until the other follows."""

import json
import re
from html.parser import HTMLParser

import pytest

from contracts import events, fields
from contracts import messages as m
from contracts.events import CHAT_MAX_LENGTH
from webui import STATIC_DIR

FORMS = {
    "signup-form": m.SignupRequest,
    "verify-form": m.VerifyEmailRequest,
    "login-form": m.LoginRequest,
    "forgot-form": m.ForgotPasswordRequest,
    "reset-form": m.ResetPasswordRequest,
    "password-form": m.ChangePasswordRequest,
    "email-form": m.ChangeEmailRequest,
    "confirm-form": m.ConfirmEmailRequest,
    "delete-form": m.DeleteAccountRequest,
    "second-factor-form": m.SecondFactorRequest,
    "totp-form": m.TotpEnrolRequest,
    "totp-confirm-form": m.TotpConfirmRequest,
    "regenerate-form": m.RegenerateRecoveryCodesRequest,
    "disable-form": m.TotpDisableRequest,
    "admin-search-form": m.AdminListRequest,
    # the richest act the dialog confirms: reset two-step login, passkeys too or not
    "admin-confirm-form": m.AdminResetFactorsRequest,
    "passkey-form": m.PasskeyRegisterRequest,
    "approval-form": m.ApprovalToggleRequest,
    "device-form": m.DeviceCodeRequest,
    "client-form": m.ClientFields,
    "provider-form": m.AddProviderRequest,  # a change sends the same fields
    "composer": events.Chat,
}
"""Each form of the page and the request model (or socket event) its fields are sent as."""

# An account with no password proves itself with a passkey: the browser's answer.
_PASSKEY_PROOF = {"passkey"}
FILLED_BY_THE_PAGE = {"second-factor-form": {"challenge"},
                      "admin-search-form": {"cursor", "limit"},
                      "admin-confirm-form": {"user_id"},
                      # the password typed to start enrolment, kept for its confirmation
                      "totp-confirm-form": {"current_password", *_PASSKEY_PROOF},
                      "passkey-form": {"ceremony", "credential", *_PASSKEY_PROOF},
                      **{form: _PASSKEY_PROOF for form in (
                          "email-form", "delete-form", "totp-form", "regenerate-form",
                          "disable-form")}}
"""Request fields no person types: the page sends what the server gave it."""

LEFT_TO_THE_DEFAULT = {"admin-search-form": {"offset"},  # the page pages by cursor
                       # the app's code as the proof of an account with no password: the
                       # page asks for a passkey there (the API and authcli take the code)
                       "email-form": {"code"}, "delete-form": {"code"},
                       # an app's lifetimes, grants, scopes and logout URIs: the API's
                       # and authcli's to set, the form registers an app with the defaults
                       "client-form": {"post_logout_redirect_uris", "backchannel_logout_uri",
                                       "grant_types", "scopes", "access_token_seconds",
                                       "refresh_token_seconds", "id_token_seconds"}}
"""Request fields the page never sends: the server takes their defaults."""


class _Inputs(HTMLParser):
    """The named inputs and textareas of the page, by the id of the form holding them."""

    def __init__(self) -> None:
        super().__init__()
        self.form: str | None = None
        self.by_form: dict[str | None, dict[str, dict]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = attrs["id"]
        elif tag in {"input", "textarea"} and attrs.get("name"):
            self.by_form.setdefault(self.form, {})[attrs["name"]] = attrs

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


@pytest.fixture(scope="module")
def inputs() -> dict[str | None, dict[str, dict]]:
    parser = _Inputs()
    parser.feed((STATIC_DIR / "index.html").read_text(encoding="utf-8"))
    return parser.by_form


def test_the_scripts_rules_are_the_contracts():
    source = (STATIC_DIR / "js" / "rules.js").read_text(encoding="utf-8")
    declared = json.loads(re.search(r"export const RULES = (\{.*?\});", source, re.S).group(1))
    assert declared == {
        "username_pattern": fields.USERNAME_PATTERN,
        "code_pattern": fields.CODE_PATTERN,
        "password_min_length": fields.PASSWORD_MIN_LENGTH,
        "password_max_length": fields.PASSWORD_MAX_LENGTH,
        "email_max_length": fields.EMAIL_MAX_LENGTH,
        "chat_max_length": CHAT_MAX_LENGTH,
    }


def test_every_form_of_the_page_is_known_here(inputs):
    assert set(inputs) - {None} == set(FORMS)


@pytest.mark.parametrize("form", FORMS)
def test_each_input_carries_the_rules_of_its_request_field(inputs, form):
    schema = FORMS[form].model_json_schema()
    fields_ = schema["properties"]
    typed = (set(fields_) - FILLED_BY_THE_PAGE.get(form, set())
             - LEFT_TO_THE_DEFAULT.get(form, set()))
    assert set(inputs[form]) == typed, "the form's inputs are the request's fields"
    for name, attrs in inputs[form].items():
        rule = fields_[name]
        if "pattern" in rule:
            # An HTML pattern is anchored at both ends already.
            assert f"^{attrs.get('pattern')}$" == rule["pattern"], f"{form} {name}: pattern"
        if "maxLength" in rule:
            assert int(attrs.get("maxlength", -1)) == rule["maxLength"], f"{form} {name}: maxlength"
        if "minLength" in rule and (attrs.get("autocomplete") == "new-password"
                                    or "minlength" in attrs):
            assert int(attrs.get("minlength", -1)) == rule["minLength"], f"{form} {name}: minlength"
        bounds = re.search(r"\{(\d+),(\d+)\}\$$", rule.get("pattern", ""))
        if bounds and "pattern" in attrs and rule["pattern"] != fields.CODE_PATTERN:
            assert (int(attrs["minlength"]), int(attrs["maxlength"])) == tuple(
                map(int, bounds.groups())), f"{form} {name}: lengths beside the pattern"
