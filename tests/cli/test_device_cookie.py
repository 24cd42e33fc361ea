"""authcli keeps the server's device cookie beside its token: after strangers have spent
the account-wide lockout, the owner's next `authcli login` still gets in."""

import stat

from tests.cli.conftest import Authcli
from tests.support.api import call


async def test_a_known_authcli_passes_a_lockout_strangers_ran_up(http, start_server, tmp_path):
    server = start_server(TRUSTED_PROXIES="127.0.0.1", LIMIT_LOGIN_ACCOUNT="2/day")
    home = tmp_path / "home"
    home.mkdir()
    authcli = Authcli(home, server.url)
    account = authcli.signup_verified(server)
    assert authcli.login(account).code == 0
    assert authcli("logout").code == 0
    [device] = (home / "config" / "authcli" / "sessions").glob("*.device")
    assert stat.S_IMODE(device.stat().st_mode) == 0o600

    for stranger in ("203.0.113.1", "203.0.113.2"):
        wrong = await call(http, server, "login",
                           {"username": account.username, "password": "a wrong password"},
                           headers={"X-Forwarded-For": stranger})
        assert wrong.status == 401
    elsewhere = await call(http, server, "login",
                           {"username": account.username, "password": account.password})
    assert elsewhere.status == 429

    again = authcli.login(account)
    assert again.code == 0, again.err
