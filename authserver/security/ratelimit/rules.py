"""The limits the server keeps, their default rates, and how a rate spec is read."""

from collections.abc import Mapping

from limits import RateLimitItem, parse_many

# name -> default rates; each is a setting, LIMIT_<NAME> (see authserver/settings.py).
DEFAULT_LIMITS: Mapping[str, str] = {
    # failed logins of one account from one client address; a success clears it
    "login_account_ip": "5/15minutes;10/hour;20/day",
    # failed logins of one account from all clients without its device cookie
    "login_account": "100/day",
    # failed logins of one account from one client with its device cookie
    "login_device": "10/15minutes;20/day",
    # failed logins from one client address, whatever the accounts
    "login_ip": "50/15minutes;500/day",
    # sign-ups from one client address
    "signup_ip": "60/hour;500/day",
    # resend requests for one address string from one client, known or not
    "resend_address": "1/minute;10/day",
    # resend requests from one client address, whatever the addresses
    "resend_ip": "30/hour;200/day",
    # code checks (verify-email) from one client address, whatever the addresses
    "verify_ip": "30/hour;200/day",
    # wrong tries at one code (or at an address with none) from one client address
    "code_client": "5/day",
    # chat messages of one user
    "chat_user": "30/10seconds;600/hour",
    # new Socket.IO (Engine.IO) connections from one client address
    "socket_connect_ip": "120/minute;3000/hour",
    # password reset codes asked for one address string from one client, known or not
    "forgot_address": "1/minute;10/day",
    # codes (reset or verification) asked for one address string from every client: a
    # cap high enough that its owner still gets one whatever strangers ask
    "code_address": "100/day",
    # password reset codes asked from one client address, whatever the addresses
    "forgot_ip": "30/hour;200/day",
    # reset attempts (code + new password) from one client address
    "reset_ip": "30/hour;200/day",
    # wrong current passwords (re-checked before a credential change) for one account
    # from one client: its device cookie for the account, else its address; a borrowed
    # session's wrong answers do not lock the owner's other clients
    "password_check_client": "5/15minutes;20/day",
    # the same from every client without the account's device cookie: a wider cap, so a
    # stolen session cannot be turned into a password oracle from many addresses
    "password_check_user": "100/day",
    # email changes asked by one account: each mails a code to an address it names
    "email_change_user": "3/hour;10/day",
    # unauthenticated `message` echoes on one socket
    "echo_socket": "30/10seconds;600/hour",
    # `message` echoes from one client address, whatever the sockets
    "echo_ip": "120/10seconds;3000/hour",
    # wrong second-factor codes (TOTP or recovery) of one account from one client (its
    # device cookie for the account, else its address), whatever the login attempt
    "second_factor_client": "5/15minutes;10/hour;20/day",
    # the same from every client without the account's device cookie: a wider cap, so six
    # digits are not guessable from many addresses, yet whoever holds the password cannot
    # lock the owner's codes with five wrong ones
    "second_factor_user": "50/day",
    # admin API calls of one administrator: a stolen admin session cannot walk the
    # whole user table or act on every account at machine speed
    "admin_user": "120/minute;2000/hour",
    # passkey login ceremonies started from one client address (each stores a challenge)
    "passkey_options_ip": "30/minute;600/hour",
    # token, introspection and revocation requests from one client address
    "oauth_endpoint_ip": "600/minute;20000/hour",
    # the same, per app (client_id), from every address
    "oauth_endpoint_client": "1200/minute;50000/hour",
    # wrong client secrets (401 invalid_client) from one client address
    "oauth_client_auth_ip": "10/15minutes;50/day",
}


def parse_rates(spec: str) -> list[RateLimitItem]:
    """The rates of a spec like "5/15minutes;100/day"; ValueError when it is not one."""
    rates = parse_many(spec)
    if not rates or any(rate.amount < 1 for rate in rates):
        raise ValueError(spec)
    return rates


def scaled(rate: RateLimitItem, scale: float) -> RateLimitItem:
    if scale == 1:
        return rate
    return type(rate)(max(1, round(rate.amount * scale)), rate.multiples, rate.namespace)

