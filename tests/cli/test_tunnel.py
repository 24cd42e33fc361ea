"""authcli through an SSH tunnel to a real OpenSSH server on 127.0.0.1.

The sshd has its own config, throwaway host and user keys and a free port; its DEBUG1 log
proves the traffic went through it.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pexpect
import pytest

from tests.cli.conftest import Authcli
from tests.need import need
from tests.support.ports import free_port, refusing_port

SSHD = "/usr/sbin/sshd"


def email() -> str:
    """A fresh address each time: resending to one address is rate limited."""
    return f"t{uuid.uuid4().hex[:10]}@example.com"


def keygen(path: Path, passphrase: str = "") -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", str(path)],
                   check=True)
    return path


@dataclass
class Sshd:
    port: int
    host_pub: str
    user_key: Path
    log: Path
    root: Path

    @property
    def target(self) -> str:
        return f"root@127.0.0.1:{self.port}"

    def known_hosts_line(self, public: str | None = None) -> str:
        kind, blob = (public or self.host_pub).split()[:2]
        return f"[127.0.0.1]:{self.port} {kind} {blob}\n"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    need(os.path.exists(SSHD) and shutil.which("ssh-keygen") is not None,
         "OpenSSH server (/usr/sbin/sshd) is not installed")
    need(os.geteuid() == 0, "sshd needs root here to switch to the logged-in user")
    root = tmp_path_factory.mktemp("sshd")
    host_key = keygen(root / "host_key")
    user_key = keygen(root / "user_key")
    (root / "authorized_keys").write_text((root / "user_key.pub").read_text())
    port = free_port()
    config = root / "sshd_config"
    config.write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {root / "sshd.pid"}
AuthorizedKeysFile {root / "authorized_keys"}
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers root
AllowTcpForwarding yes
LogLevel DEBUG1
""")
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log = root / "sshd.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=sink,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"sshd did not start: {log.read_text()}") from None
            time.sleep(0.1)
    yield Sshd(port, (root / "host_key.pub").read_text(), user_key, log, root)
    process.terminate()
    process.wait(10)


@pytest.fixture
def via_ssh(any_server, sshd, tmp_path) -> Authcli:
    """authcli whose ~/.ssh/known_hosts already trusts the test sshd."""
    home = tmp_path / "sshhome"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    (home / ".ssh" / "known_hosts").write_text(sshd.known_hosts_line())
    return Authcli(home, any_server.url,
                   ("--ssh", sshd.target, "--ssh-key", str(sshd.user_key)))


def test_whole_flow_through_the_tunnel(via_ssh, any_server, sshd):
    before = len(sshd.log_text())
    account = via_ssh.signup_verified(any_server, "ssh")
    login = via_ssh.login(account)
    assert login.code == 0, login.err
    whoami = via_ssh("--json", "whoami")
    assert whoami.code == 0 and whoami.json()["username"] == account.username
    said = via_ssh("say", "through the tunnel")
    assert said.code == 0, said.err
    assert via_ssh("logout").code == 0
    assert via_ssh.token_files() == []

    server_port = urlsplit(any_server.url).port
    forwarded = sshd.log_text()[before:]
    assert f"target 127.0.0.1 port {server_port}" in forwarded, forwarded[-2000:]
    # REST calls and the Socket.IO connection each opened a forwarded channel.
    assert forwarded.count("server_request_direct_tcpip") >= 6


def test_a_session_through_the_tunnel_is_not_the_direct_one(via_ssh, authcli, any_server):
    account = via_ssh.signup_verified(any_server, "sep")
    assert via_ssh.login(account).code == 0
    direct = Authcli(via_ssh.home, any_server.url)
    assert direct("whoami").code == 1  # same URL, but not through that SSH host


def test_ssh_settings_from_the_environment(via_ssh, any_server, sshd):
    """SSH_HOST and friends alone open the tunnel: the server is reachable directly too,
    so only sshd's log can tell the request went through it."""
    before = len(sshd.log_text())
    plain = Authcli(via_ssh.home, any_server.url)
    result = plain("--json", "resend", "--email", email(), env={
        "SSH_HOST": "127.0.0.1", "SSH_PORT": str(sshd.port), "SSH_USER": "root",
        "SSH_KEY_PATH": str(sshd.user_key)})
    assert result.code == 0, result.err
    forwarded = sshd.log_text()[before:]
    assert f"target 127.0.0.1 port {urlsplit(any_server.url).port}" in forwarded, forwarded


def test_wrong_key_is_refused_in_one_line(via_ssh, sshd, tmp_path):
    stranger = keygen(tmp_path / "stranger")
    result = Authcli(via_ssh.home, via_ssh.server,
                     ("--ssh", sshd.target, "--ssh-key", str(stranger)))("whoami")
    assert result.code == 3
    assert result.err == (f"authcli: SSH login as {sshd.target} refused: "
                          "the server did not accept the key\n")


def test_unknown_host_key_is_refused_until_accepted(via_ssh, sshd, any_server):
    known_hosts = via_ssh.home / ".ssh" / "known_hosts"
    known_hosts.unlink()
    refused = via_ssh("resend", "--email", email())
    assert refused.code == 3 and refused.err.count("\n") == 1
    assert "is not in" in refused.err and "--ssh-accept-new" in refused.err
    assert not known_hosts.exists()

    accepted = via_ssh("--ssh-accept-new", "resend", "--email", email())
    assert accepted.code == 0, accepted.err
    assert known_hosts.read_text() == sshd.known_hosts_line()
    assert via_ssh("resend", "--email", email()).code == 0


def test_changed_host_key_is_refused_even_with_accept_new(via_ssh, sshd, tmp_path):
    impostor = keygen(tmp_path / "impostor")
    known_hosts = via_ssh.home / ".ssh" / "known_hosts"
    known_hosts.write_text(sshd.known_hosts_line(Path(f"{impostor}.pub").read_text()))
    for extra in ((), ("--ssh-accept-new",)):
        result = via_ssh(*extra, "whoami")
        assert result.code == 3
        assert "has CHANGED" in result.err and result.err.count("\n") == 1


def test_unreachable_ssh_host_exits_3(via_ssh, any_server):
    with refusing_port() as port:
        result = Authcli(via_ssh.home, any_server.url, ("--ssh", f"root@127.0.0.1:{port}"))(
            "whoami")
    assert result.code == 3
    assert "unreachable" in result.err and result.err.count("\n") == 1


def test_encrypted_key_asks_for_its_passphrase(via_ssh, sshd, tmp_path):
    locked = keygen(tmp_path / "locked", passphrase="open sesame")
    with (sshd.root / "authorized_keys").open("a") as keys:
        keys.write(Path(f"{locked}.pub").read_text())
    for passphrase, code in (("open sesame", 0), ("not it", 3)):
        child = pexpect.spawn(
            sys.executable, ["-m", "cli", "--ssh", sshd.target, "--ssh-key", str(locked),
                             "resend", "--email", email()],
            env=via_ssh.env, cwd=str(via_ssh.home), timeout=60, encoding="utf-8")
        child.expect("Passphrase for")
        child.sendline(passphrase)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == code, child.before
        if code:
            assert "wrong passphrase" in child.before and "Traceback" not in child.before


def test_ssh_agent_keys_work(via_ssh, sshd, tmp_path):
    need(shutil.which("ssh-agent") is not None, "ssh-agent is not installed")
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)],
                             stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = {"SSH_AUTH_SOCK": str(socket_path)}
        subprocess.run(["ssh-add", "-q", str(sshd.user_key)], env={**os.environ, **env},
                       check=True, capture_output=True)
        without_key = Authcli(via_ssh.home, via_ssh.server, ("--ssh", sshd.target))
        result = without_key("resend", "--email", email(), env=env)
        assert result.code == 0, result.err
    finally:
        agent.terminate()
        agent.wait(10)
