"""The SSH tunnel: a free local port forwarded to the server as the SSH host sees it.

sshtunnel does the forwarding. It does not read `~/.ssh/known_hosts`, so before handing
over we look at the host's key ourselves: an unknown key is refused unless the person
asked to trust it (`--ssh-accept-new`, which records it), and a changed key is always
refused. The same key is then pinned for sshtunnel's own connection.
"""

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import paramiko
import sshtunnel

from cli.errors import Unreachable, UsageError
from cli.parser import remote_address

log = logging.getLogger(__name__)
sshtunnel_log = logging.getLogger("cli.tunnel.sshtunnel")
sshtunnel_log.addHandler(logging.NullHandler())

CONNECT_TIMEOUT = 10
# known_hosts records RSA keys as ssh-rsa; a server signs with one of these for it.
_ALGORITHMS = {"ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256"]}


@dataclass(frozen=True)
class SshTarget:
    user: str
    host: str
    port: int = 22

    def __str__(self) -> str:
        return f"{self.user}@{self.host}" + ("" if self.port == 22 else f":{self.port}")

    @property
    def known_hosts_name(self) -> str:
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"


def parse_target(text: str, *, user: str | None = None, port: int | None = None) -> SshTarget:
    """`USER@HOST[:PORT]` (or `[V6ADDR]:PORT`); `user` and `port` fill what it leaves out."""
    who, at, rest = text.rpartition("@")
    if not at:
        who, rest = user or "", text
    host, port_text = rest, ""
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    elif rest.count(":") == 1:
        host, port_text = rest.split(":")
    if not who:
        raise UsageError(f"--ssh {text!r}: say which user, as USER@HOST[:PORT]")
    if not host:
        raise UsageError(f"--ssh {text!r}: no host, expected USER@HOST[:PORT]")
    try:
        number = int(port_text) if port_text else (port or 22)
    except ValueError:
        raise UsageError(f"--ssh {text!r}: the port must be a number") from None
    if not 0 < number < 65536:
        raise UsageError(f"--ssh {text!r}: no such port {number}")
    return SshTarget(who, host, number)


def local_url(server_url: str, port: int) -> str:
    """The server URL rewritten to reach the tunnel's local end."""
    parts = urlsplit(server_url)
    return parts._replace(netloc=f"127.0.0.1:{port}").geturl()


class _Remember(logging.Handler):
    """Keeps sshtunnel's error lines: it logs the reason a connection failed, then raises
    a generic error."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class Tunnel:
    """Open with `open()` (blocking); `url` is then the server's URL at the local end."""

    def __init__(self, target: SshTarget, server_url: str, *, key_path: str | None = None,
                 accept_new: bool = False, known_hosts: Path | None = None,
                 ask_passphrase: Callable[[str], str] | None = None) -> None:
        self.target = target
        self.server_url = server_url
        self.remote = remote_address(server_url)
        self.key_path = key_path
        self.accept_new = accept_new
        self.known_hosts = known_hosts or Path(os.path.expanduser("~/.ssh/known_hosts"))
        self.ask_passphrase = ask_passphrase
        self.url: str | None = None
        self._forwarder: sshtunnel.SSHTunnelForwarder | None = None

    @property
    def alive(self) -> bool:
        return self._forwarder is not None and self._forwarder.is_active

    def open(self) -> str:
        host_key = self._checked_host_key()
        pkey = self._load_key() if self.key_path else None
        remember = _Remember()
        sshtunnel_log.addHandler(remember)
        try:
            self._forwarder = sshtunnel.SSHTunnelForwarder(
                (self.target.host, self.target.port),
                ssh_username=self.target.user,
                ssh_pkey=pkey,
                # A key named on the command line is the only one tried, as with
                # OpenSSH's IdentitiesOnly; otherwise ssh-agent and ~/.ssh keys are.
                allow_agent=pkey is None,
                host_pkey_directories=[] if pkey is not None else None,
                ssh_host_key=host_key,
                ssh_config_file=None,
                remote_bind_address=self.remote,
                local_bind_address=("127.0.0.1", 0),
                logger=sshtunnel_log,
                set_keepalive=15.0,
            )
            self._forwarder.start()
        except ValueError as exc:
            raise Unreachable(
                f"no SSH key for {self.target}: give --ssh-key or add one to ssh-agent ({exc})"
            ) from None
        except sshtunnel.BaseSSHTunnelForwarderError:
            raise Unreachable(self._failure(remember.lines)) from None
        finally:
            sshtunnel_log.removeHandler(remember)
        self.url = local_url(self.server_url, self._forwarder.local_bind_port)
        log.debug("tunnel %s -> %s:%s via %s", self.url, *self.remote, self.target)
        return self.url

    def close(self) -> None:
        if self._forwarder is not None:
            self._forwarder.stop(force=True)
            self._forwarder = None

    def _failure(self, lines: list[str]) -> str:
        detail = " ".join(lines)
        if "Could not open connection to gateway" in detail:
            return f"SSH login as {self.target} refused: the server did not accept the key"
        if "Bad host key" in detail:
            return f"SSH host key of {self.target.known_hosts_name} changed while connecting"
        return f"SSH connection to {self.target} failed: {lines[-1] if lines else 'unknown'}"

    def _load_key(self) -> paramiko.PKey:
        path = os.path.expanduser(self.key_path or "")
        try:
            return paramiko.PKey.from_path(path)
        except (paramiko.PasswordRequiredException, TypeError):
            pass  # encrypted (OpenSSH-format keys say so with a TypeError)
        except FileNotFoundError:
            raise Unreachable(f"SSH key {path} does not exist") from None
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise Unreachable(f"SSH key {path} is unreadable: {exc}") from None
        if self.ask_passphrase is None:
            raise Unreachable(f"SSH key {path} is encrypted and there is no terminal to ask "
                              "its passphrase; add it to ssh-agent instead")
        passphrase = self.ask_passphrase(f"Passphrase for {path}: ")
        try:
            return paramiko.PKey.from_path(path, password=passphrase.encode())
        except (paramiko.SSHException, ValueError, TypeError):
            raise Unreachable(f"wrong passphrase for SSH key {path}") from None

    def _known_keys(self) -> dict[str, paramiko.PKey]:
        keys = paramiko.HostKeys()
        try:
            keys.load(str(self.known_hosts))
        except FileNotFoundError:
            return {}
        except (OSError, paramiko.SSHException) as exc:
            raise Unreachable(f"cannot read {self.known_hosts}: {exc}") from None
        found = keys.lookup(self.target.known_hosts_name)
        return dict(found) if found else {}

    def _checked_host_key(self) -> paramiko.PKey:
        """The host's key, checked against known_hosts (or recorded, if asked)."""
        known = self._known_keys()
        name = self.target.known_hosts_name
        offered = self._offered_key(known)
        if not known:
            if not self.accept_new:
                raise Unreachable(
                    f"SSH host {name} is not in {self.known_hosts} "
                    f"({offered.get_name()} {offered.fingerprint}); check the fingerprint "
                    "and run again with --ssh-accept-new to trust it")
            self._record(offered)
            return offered
        expected = known.get(offered.get_name())
        if expected is None or expected.asbytes() != offered.asbytes():
            wanted = expected or next(iter(known.values()))
            raise Unreachable(
                f"SSH host key of {name} has CHANGED (expected {wanted.fingerprint}, got "
                f"{offered.fingerprint}): refusing to connect; if the change is expected, "
                f"remove the old line from {self.known_hosts}")
        return offered

    def _offered_key(self, known: dict[str, paramiko.PKey]) -> paramiko.PKey:
        host, port = self.target.host, self.target.port
        try:
            sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        except socket.gaierror:
            raise Unreachable(f"cannot resolve SSH host {host}") from None
        except TimeoutError:
            raise Unreachable(f"SSH host {host}:{port} unreachable: timed out") from None
        except OSError as exc:
            raise Unreachable(
                f"SSH host {host}:{port} unreachable: {exc.strerror or exc}") from None
        transport = paramiko.Transport(sock)
        try:
            if known:
                transport.get_security_options().key_types = [
                    algorithm for key_type in known
                    for algorithm in _ALGORITHMS.get(key_type, [key_type])
                    if algorithm in paramiko.Transport._key_info
                ]
            transport.start_client(timeout=CONNECT_TIMEOUT)
            return transport.get_remote_server_key()
        except (paramiko.SSHException, EOFError, OSError, ValueError) as exc:
            if known and "host key" in str(exc).lower():
                raise Unreachable(
                    f"SSH host {self.target.known_hosts_name} no longer offers the key "
                    f"recorded in {self.known_hosts}: refusing to connect") from None
            raise Unreachable(f"SSH handshake with {host}:{port} failed: {exc}") from None
        finally:
            transport.close()

    def _record(self, key: paramiko.PKey) -> None:
        self.known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.known_hosts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(f"{self.target.known_hosts_name} {key.get_name()} "
                         f"{key.get_base64()}\n")
