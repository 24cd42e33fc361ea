from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="authserver",
    version="0.1.0",
    description="A self-hostable authentication server: sign-up, email codes, sessions, real time.",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["authserver*", "contracts*", "cli*", "webui*", "loadtests*"]),
    include_package_data=True,
    package_data={"webui": ["static/*", "static/**/*"], "authserver": ["security/data/*"]},
    install_requires=[
        # Lower bounds exclude releases with published security advisories.
        "tornado>=6.6",
        "python-socketio>=5.16.2",
        "python-engineio>=4.13.2",
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
        "paramiko>=3.4",
        "limits>=5.0",
        "redis>=5.0.1",
        "zxcvbn>=4.5",
        # the second factor: TOTP codes, the enrolment QR code (drawn here, as SVG),
        # TOTP secrets encrypted at rest
        "pyotp>=2.9",
        "qrcode>=7.4",
        "cryptography>=44.0.1",
        # passkeys (WebAuthn)
        "webauthn>=2.0",
    ],
    extras_require={
        "test": [
            "pytest>=8.3",
            "pytest-asyncio>=1.0",
            "pytest-timeout>=2.3",
            "aiosmtpd>=1.4.6",
            "playwright>=1.50",
            "pexpect>=4.9",
            "schemathesis>=4.0",
            "locust>=2.37",
            "psutil>=5.9",
            "websocket-client>=1.8",
            "matplotlib>=3.9",
            "ruff>=0.11",
            "import-linter>=2.3",
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
