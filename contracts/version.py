"""The release, declared once: the server's health reply, OpenAPI's `info.version`, both
commands' `--version`, the package (setup.py) and the Docker image's label read it here.

It lives in `contracts` because the server and authcli both import this package and
neither imports the other."""

VERSION = "0.3.0"
