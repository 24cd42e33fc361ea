"""Fresh PostgreSQL databases for a measurement, made beside a given one and dropped after."""

import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def create_database(url: str, prefix: str) -> str:
    """A fresh database on the server of `url`, named `prefix` and a random suffix; its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def drop_database(admin_url: str, url: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(
            f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
    finally:
        await connection.close()
