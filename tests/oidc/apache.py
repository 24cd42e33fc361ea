"""Apache httpd with Debian's mod_auth_openidc as a relying party, from a scratch
configuration (FIELD-NOTES: ServerRoot /usr/lib/apache2, run as root, folders readable by
www-data). It protects /protected/, whose page shows the claims authserver gave (server
side includes), and offers RP-initiated logout through its redirect URI."""

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.oidc.listener import free_port

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULE = Path("/usr/lib/apache2/modules/mod_auth_openidc.so")

PAGE = """<!DOCTYPE html>
<html><head><title>Protected</title><link rel="icon" href="data:,"></head><body>
<h1>Protected page</h1>
<p>user: <span id="user"><!--#echo var="REMOTE_USER" --></span></p>
<p>email: <span id="email"><!--#echo var="OIDC_CLAIM_email" --></span></p>
<p>sub: <span id="sub"><!--#echo var="OIDC_CLAIM_sub" --></span></p>
<p><a id="logout" href="/protected/redirect_uri?logout=LOGGED_OUT">Log out</a></p>
</body></html>
"""

CONFIG = """ServerRoot /usr/lib/apache2
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
User www-data
Group www-data
PidFile {folder}/httpd.pid
ErrorLog {folder}/error.log
LogLevel warn auth_openidc:info
DefaultRuntimeDir {folder}
Mutex file:{folder} default
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authn_core_module modules/mod_authn_core.so
LoadModule authz_user_module modules/mod_authz_user.so
LoadModule headers_module modules/mod_headers.so
LoadModule dir_module modules/mod_dir.so
LoadModule mime_module modules/mod_mime.so
LoadModule include_module modules/mod_include.so
LoadModule auth_openidc_module modules/mod_auth_openidc.so
TypesConfig /etc/mime.types
DocumentRoot {folder}/www
DirectoryIndex index.shtml index.html

OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {client_secret}
OIDCRedirectURI http://127.0.0.1:{port}/protected/redirect_uri
OIDCCryptoPassphrase {passphrase}
OIDCScope "openid profile email"
OIDCPKCEMethod S256
OIDCRemoteUserClaim preferred_username
OIDCPassClaimsAs environment

<Directory {folder}/www>
    Require all granted
</Directory>
<Location /protected/>
    AuthType openid-connect
    Require valid-user
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    Header always set X-Remote-User "expr=%{{REMOTE_USER}}"
</Location>
"""


class Apache:
    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redirect_uri = f"{self.url}/protected/redirect_uri"
        self.logged_out = f"{self.url}/logged-out.html"
        self.folder = Path(tempfile.mkdtemp(prefix="authserver-apache-"))
        self.folder.chmod(0o755)
        www = self.folder / "www"
        (www / "protected").mkdir(parents=True)
        (www / "protected" / "index.shtml").write_text(
            PAGE.replace("LOGGED_OUT", self.logged_out.replace(":", "%3A").replace("/", "%2F")))
        (www / "logged-out.html").write_text(
            "<!DOCTYPE html><title>Out</title><link rel=icon href='data:,'>"
            "<h1>Logged out of the app</h1>")
        for path in [www, *www.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.config = self.folder / "httpd.conf"
        self.config.write_text(CONFIG.format(
            port=self.port, folder=self.folder, issuer=issuer, client_id=client_id,
            client_secret=client_secret, passphrase=secrets.token_urlsafe(24)))

    def start(self) -> "Apache":
        done = subprocess.run([APACHE, "-f", str(self.config), "-k", "start"],
                              capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stdout + done.stderr + self.log()
        pid_file = self.folder / "httpd.pid"
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_file.exists(), self.log()
        return self

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        pid_file = self.folder / "httpd.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.folder, ignore_errors=True)
