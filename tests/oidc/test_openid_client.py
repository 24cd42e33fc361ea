"""panva's openid-client (npm, OpenID-certified and strict) as the relying party, on this
machine's Node: discovery, the code flow with PKCE, ID token validation (signature, iss,
aud, nonce, the RFC 9207 `iss` of the answer), refresh and userinfo."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.need import need
from tests.oidc.support import REDIRECT_URI, apps
from tests.oidc.support import person as signed_in_person

RP = Path(__file__).parent / "rp"


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    need(found is not None, "node is not installed")
    assert found is not None
    if not (RP / "node_modules" / "openid-client").exists():
        npm = shutil.which("npm")
        need(npm is not None, "npm is not installed")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=RP,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return found


def test_openid_client_runs_the_code_flow(server, unique, node):
    app = apps(server)["first"]
    who = signed_in_person(server, unique)
    relying_party = subprocess.Popen(
        [node, "rp.mjs", server.url, app.client_id, app.client_secret, REDIRECT_URI],
        cwd=RP, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert relying_party.stdout is not None and relying_party.stdin is not None
        start = relying_party.stdout.readline()
        assert start, relying_party.stderr.read() if relying_party.stderr else ""
        answer = who.browser.get(json.loads(start)["authorize"], allow_redirects=False,
                                 timeout=10)
        assert answer.status_code == 302
        out, err = relying_party.communicate(answer.headers["Location"] + "\n", timeout=60)
    finally:
        if relying_party.poll() is None:
            relying_party.kill()
    assert relying_party.returncode == 0, err
    said = json.loads(out.strip().splitlines()[-1])
    claims = said["claims"]
    assert claims["iss"] == server.url and claims["aud"] == app.client_id
    assert claims["preferred_username"] == who.username
    assert said["userinfo"]["sub"] == claims["sub"] == said["userinfo_after_refresh"]["sub"]
    assert said["userinfo"]["email"] == who.email
    assert said["rotated"] is True and said["supports_pkce"] is True

