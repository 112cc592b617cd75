"""The PostgreSQL databases the developer tools create: the one `make run` uses, and the
benchmark's. Imported only when needed, after the virtualenv is in place."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import psycopg2


def connect(url: str, *, maintenance: bool = False) -> Any:
    """A plain psycopg2 connection to the database `url` names, or with `maintenance` to the
    server's maintenance database in autocommit, for CREATE and DROP DATABASE (which cannot run
    inside a transaction)."""
    db = dj_database_url.parse(url)
    conn = psycopg2.connect(
        dbname="postgres" if maintenance else db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"] or None,
    )
    conn.autocommit = maintenance
    return conn


def admin_connection(url: str) -> Any:
    return connect(url, maintenance=True)


def name_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def exists(url: str) -> bool:
    with contextlib.closing(admin_connection(url)) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name_of(url)])
        return cursor.fetchone() is not None


def ensure(url: str) -> bool:
    """Create the database `url` names if the server does not have it yet; True if created.
    A server given in DATABASE_URL needs only to exist: `make run` makes its database."""
    if exists(url):
        return False
    with contextlib.closing(admin_connection(url)) as admin, admin.cursor() as cursor:
        try:
            cursor.execute(f'CREATE DATABASE "{name_of(url)}"')
        except psycopg2.errors.DuplicateDatabase:  # a parallel run made it first
            return False
    return True
