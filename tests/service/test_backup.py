"""Backups (yourchoice/data/backup.py): a real pg_dump and pg_restore round trip against the test
database's server, embedded or DATABASE_URL's, into a scratch database next to it."""

from __future__ import annotations

import stat
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Authority, Membership, User
from cases.models import Allocation, Episode, Referral, YoungPerson
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session
from yourchoice.data import backup
from yourchoice.models import AuditEvent

# Transactional: pg_dump runs in its own connection and must see committed rows.
committed = pytest.mark.django_db(transaction=True)

APPEND_ONLY = "yourchoice_auditevent_append_only"
MAIN_TABLES = [
    model._meta.db_table
    for model in (
        Authority,
        User,
        Membership,
        YoungPerson,
        Episode,
        Referral,
        Allocation,
        SessionLog,
        AuditEvent,
    )
]


def _test_database_url() -> str:
    return backup.with_database(settings.DATABASE_URL, connection.settings_dict["NAME"])


def _query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    target = backup.Target.from_url(url)
    conn = psycopg2.connect(target.uri, password=target.password)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        conn.close()


def _row_counts(url: str) -> dict[str, int]:
    tables = _query(
        url,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    return {
        name: _query(url, f'SELECT count(*) FROM "{name}"')[0][0]  # noqa: S608 - catalogue names
        for (name,) in tables
    }


def _triggers(url: str) -> set[tuple[str, str]]:
    rows = _query(
        url,
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    )
    return set(rows)


@pytest.fixture
def scratch_url():
    """An empty database beside the test database, dropped afterwards (also if a killed run
    left one behind)."""
    name = connection.settings_dict["NAME"] + "_restore"
    target = backup.Target.from_url(_test_database_url())
    admin = psycopg2.connect(target.uri, password=target.password)
    admin.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield backup.with_database(settings.DATABASE_URL, name)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@committed
def test_a_backup_restores_to_an_identical_database_with_the_audit_trail_still_append_only(
    cast, scratch_url, tmp_path
):
    episode = allocated_case(cast.hackney, given="Jordan", family="Example")
    logged_session(episode, duration_minutes=45, notes="Talked through the week at school.")
    source = _test_database_url()
    file = backup.dump(source, tmp_path / "backups" / "service.dump")

    assert file.is_file() and not (tmp_path / "backups" / "service.dump.partial").exists()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # personal data: owner only

    backup.restore(file, scratch_url)
    # Restoring again over the restored copy replaces it rather than adding to it.
    backup.restore(file, scratch_url)

    before, after = _row_counts(source), _row_counts(scratch_url)
    assert after == before
    for table in MAIN_TABLES:
        assert before[table] > 0, f"{table} should have rows in this test"
    assert before[SessionLog._meta.db_table] == 1

    record = f"SELECT * FROM {YoungPerson._meta.db_table} WHERE id = %s"  # noqa: S608
    young_person_id = episode.young_person_id
    original = _query(source, record, (young_person_id,))
    assert original and _query(scratch_url, record, (young_person_id,)) == original
    assert (
        original[0][list(_columns(source, YoungPerson._meta.db_table)).index("given_name")]
        == "Jordan"
    )

    triggers = _triggers(scratch_url)
    assert ("yourchoice_auditevent", APPEND_ONLY) in triggers
    assert triggers == _triggers(source)
    # And it still works: the restored trail refuses to be rewritten.
    target = backup.Target.from_url(scratch_url)
    conn = psycopg2.connect(target.uri, password=target.password)
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.Error, match="append-only"):
            cursor.execute("UPDATE yourchoice_auditevent SET action = 'rewritten'")
    finally:
        conn.close()


def _columns(url: str, table: str) -> list[str]:
    rows = _query(
        url,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    )
    return [name for (name,) in rows]


@committed
def test_the_client_tools_can_read_the_server_they_back_up():
    target = backup.Target.from_url(_test_database_url())
    server = backup.server_major(target)
    dump_major = backup._major(backup.find_tool("pg_dump", server))
    assert dump_major is not None and dump_major >= server
    assert backup._major(backup.find_tool("pg_restore", server, exact=True)) == server


def _fake_tool(folder: Path, name: str, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    script.chmod(0o755)


def test_the_tools_of_the_servers_major_version_are_chosen_else_a_newer_pg_dump(
    tmp_path, monkeypatch
):
    folders = []
    for version in ("14.9", "17.2 (Debian 17.2-1)", "15.20"):
        folder = tmp_path / version.split(".")[0]
        _fake_tool(folder, "pg_dump", version)
        folders.append(folder)
    monkeypatch.setattr(backup, "_folders", lambda: folders)

    assert backup.find_tool("pg_dump", 15) == tmp_path / "15" / "pg_dump"
    assert backup.find_tool("pg_dump", 16) == tmp_path / "17" / "pg_dump"
    with pytest.raises(backup.BackupError, match="PostgreSQL 18 client tools.*PG_BINDIR"):
        backup.find_tool("pg_dump", 18)
    # A restore needs the server's own version: a newer pg_restore fails on an older server.
    assert backup.find_tool("pg_dump", 15, exact=True) == tmp_path / "15" / "pg_dump"
    with pytest.raises(backup.BackupError, match="for PostgreSQL 16 "):
        backup.find_tool("pg_dump", 16, exact=True)


def test_a_url_is_split_so_the_password_reaches_only_the_environment():
    target = backup.Target.from_url(
        "postgres://svc:p%40ss:w0rd@db.example:5433/cases?sslmode=require"
    )
    assert target.uri == "postgresql://svc@db.example:5433/cases?sslmode=require"
    assert target.password == "p@ss:w0rd"
    assert target.env()["PGPASSWORD"] == "p@ss:w0rd"
    assert target.describe() == "database 'cases' on db.example"

    socket = backup.Target.from_url("postgresql://postgres@%2Fsrv%2Fpg%2Frun:5432/yourchoice")
    assert socket.password is None
    assert socket.uri == "postgresql://postgres@%2Fsrv%2Fpg%2Frun:5432/yourchoice"
    assert socket.where == "/srv/pg/run"
    with pytest.raises(backup.BackupError):
        backup.Target.from_url("sqlite:///db.sqlite3")


def _with_password(url: str) -> tuple[str, str]:
    """The test database's URL with a password in it (trust authentication ignores it)."""
    target = backup.Target.from_url(url)
    if target.password:
        return url, target.password
    secret = "never-printed-4711"  # noqa: S105
    scheme, rest = url.split("://", 1)
    user, at, host = rest.partition("@")
    return f"{scheme}://{user}:{secret}@{host}" if at else url, secret


@committed
def test_restore_asks_for_a_file_and_a_confirmation_then_replaces_the_data_and_no_command_prints_the_password(  # noqa: E501
    cast, tmp_path, capsys
):
    url, secret = _with_password(_test_database_url())
    coach = cast.hackney.coach
    file = tmp_path / "before.dump"
    said = []

    assert backup.main(["backup", "--file", str(file)], url) == 0
    said.append(capsys.readouterr().out)
    User.objects.filter(pk=coach.pk).update(full_name="Changed after the backup")

    def name_now() -> str:
        return _query(url, "SELECT full_name FROM accounts_user WHERE id = %s", (coach.pk,))[0][0]

    assert backup.main(["restore"], url) == 2
    said.append(capsys.readouterr().out)
    assert "FILE=" in said[-1]
    assert backup.main(["restore", str(file)], url) == 2
    said.append(capsys.readouterr().out)
    assert "REPLACES the data" in said[-1] and "CONFIRM=yes" in said[-1]
    assert backup.main(["restore", str(tmp_path / "missing.dump"), "--yes"], url) == 1
    said.append(capsys.readouterr().out)
    assert "no backup file" in said[-1]
    assert name_now() == "Changed after the backup"  # nothing was touched so far

    connection.close()  # hold no connection to the tables being replaced
    assert backup.main(["restore", str(file), "--yes"], url) == 0
    said.append(capsys.readouterr().out)
    assert name_now() == coach.full_name
    assert "Restored" in said[-1]
    assert not any(secret in output for output in said)
