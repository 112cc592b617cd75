"""`make run` against a server given in DATABASE_URL makes the database it names, once."""

from __future__ import annotations

import uuid
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

from devtools import databases


def _url(name: str) -> str:
    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    parts = urlsplit(f"postgresql://{settings['USER']}@{host}:{port}/")
    return urlunsplit(parts._replace(path=f"/{name}"))


def test_a_missing_database_is_created_once_and_kept_after():
    url = _url(f"yc_run_{uuid.uuid4().hex[:8]}")
    try:
        assert not databases.exists(url)
        assert databases.ensure(url) is True
        assert databases.exists(url)
        assert databases.ensure(url) is False  # already there: left as it is
    finally:
        with closing(databases.admin_connection(url)) as admin, admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{databases.name_of(url)}"')
