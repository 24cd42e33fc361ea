"""What an administrator trusts of a provider, against real oidc-providers: `trusting_op`
(added over the admin API with `trust_email` and `trust_amr`) and `op` (neither).

- trust_email: a verified address held by a local account links to it by itself; an
  unverified one does not, and without trust_email the same sign-in is refused.
- trust_amr: an ID token whose `amr` names a second factor stands for the account's TOTP;
  without it, or from a provider not trusted for it, the code is still asked.
"""

import asyncio

from tests.lifecycle.support import audit_details, rows
from tests.oidc.support import api, person
from tests.providers.support import asked_for, me, sign_in
from tests.twofactor.support import Authenticator


def _links_of(server, username: str) -> list[str]:
    return [name for (name,) in asyncio.run(rows(
        server.database_url,
        "SELECT p.name FROM provider_link l JOIN outside_provider p ON p.id = l.provider_id "
        "JOIN \"user\" u ON u.id = l.user_id WHERE u.username = ? ORDER BY p.name", username))]


def test_trust_email_links_a_verified_address_only_where_the_admin_set_it(
        server, op, trusting_op, unique):
    who = person(server, unique)
    claims = {"sub": f"sub-{who.username}", "email": who.email, "email_verified": True}
    untrusted = sign_in(server, claims, name=op.name)
    assert untrusted.answer is not None and untrusted.answer.status_code == 409
    assert me(server, untrusted.browser).status_code == 401
    assert _links_of(server, who.username) == []

    trusted = sign_in(server, claims, name=trusting_op.name)
    assert trusted.answer is not None and trusted.answer.status_code == 200, trusted.answer.text
    assert me(server, trusted.browser).json()["username"] == who.username
    assert _links_of(server, who.username) == [trusting_op.name]
    user_id = me(server, who.browser).json()["id"]
    details = asyncio.run(audit_details(server, "provider_linked", user_id))
    assert any("by trusted email" in detail for detail in details), details


def test_trust_email_does_not_take_an_unverified_address(server, trusting_op, unique):
    who = person(server, unique)
    trip = sign_in(server, {"sub": f"sub-{who.username}", "email": who.email,
                            "email_verified": False}, name=trusting_op.name)
    assert trip.answer is not None and trip.answer.status_code == 409, trip.answer.text
    assert me(server, trip.browser).status_code == 401
    assert _links_of(server, who.username) == []


def _with_totp(server, who) -> Authenticator:
    started = api(server, who, "/api/totp/enrol", {"current_password": who.password})
    assert started.status_code == 200, started.text
    app = Authenticator(started.json()["secret"])
    confirmed = api(server, who, "/api/totp/confirm",
                    {"current_password": who.password, "code": app.code_now()})
    assert confirmed.status_code == 200, confirmed.text
    return app


def test_trust_amr_skips_our_code_only_for_a_trusted_provider_s_second_factor(
        server, op, trusting_op, unique):
    who = person(server, unique)
    claims = {"sub": f"sub-{who.username}", "email": who.email, "email_verified": True}
    for provider in (op, trusting_op):
        linked = sign_in(server, claims, browser=who.browser, start="?link=1",
                         name=provider.name)
        assert linked.answer is not None and linked.answer.status_code == 200
    _with_totp(server, who)
    with_mfa = {**claims, "mischief": {"amr": ["pwd", "otp"]}}

    # Trusted, and its amr names a second factor: no code asked.
    trusted = sign_in(server, with_mfa, name=trusting_op.name)
    assert trusted.answer is not None and trusted.answer.status_code == 200
    assert "#second-factor" not in trusted.answer.text
    assert me(server, trusted.browser).json()["username"] == who.username
    user_id = me(server, who.browser).json()["id"]
    logins = asyncio.run(audit_details(server, "provider_login", user_id))
    assert "(provider's second factor)" in logins[-1], logins

    # Trusted, but its amr names only a password: our code is asked.
    password_only = sign_in(server, {**claims, "mischief": {"amr": ["pwd"]}},
                            name=trusting_op.name)
    assert "totp" in asked_for(password_only)["factors"]
    assert me(server, password_only.browser).status_code == 401

    # The same second factor from a provider not trusted for it: our code is asked.
    untrusted = sign_in(server, with_mfa, name=op.name)
    assert "totp" in asked_for(untrusted)["factors"]
    assert me(server, untrusted.browser).status_code == 401
