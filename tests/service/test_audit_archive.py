"""The audit trail's archive policy (docs/audit.md): old months move to compressed files and
leave the table by the one path the database allows; nothing recent can be deleted at all."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from yourchoice import audit
from yourchoice.audit import archive as audit_archive
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditArchive, AuditEvent

pytestmark = pytest.mark.django_db


def event_at(moment: datetime, action: str = "young_person.view") -> AuditEvent:
    return AuditEvent.objects.create(at=moment, action=action, young_person_id=7, actor_id=3)


def month_start(months_ago: int) -> datetime:
    now = timezone.localtime()
    index = now.year * 12 + now.month - 1 - months_ago
    return timezone.make_aware(datetime(index // 12, index % 12 + 1, 1))


@pytest.fixture
def trail():
    """Two old months (three years ago), one just inside the online period, and today."""
    old = month_start(36)
    return {
        "old": [event_at(old + timedelta(days=2)), event_at(old + timedelta(days=20, hours=5))],
        "older_next": [event_at(month_start(35) + timedelta(days=1), "session.log")],
        "recent": [event_at(month_start(23) + timedelta(days=3))],
        "today": [audit.record(actor=None, action=AuditAction.SIGNIN_FAILED)],
    }


def test_old_months_are_archived_to_files_and_leave_the_table(trail, tmp_path):
    archived = audit_archive.archive_old_events(directory=tmp_path)
    assert [(m.starts_at, m.events) for m in archived] == [
        (month_start(36), 2),
        (month_start(35), 1),
    ]
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert remaining == {trail["recent"][0].pk, trail["today"][0].pk}

    path = tmp_path / f"audit-{month_start(36):%Y-%m}.jsonl.gz"
    with gzip.open(path, "rt") as lines:
        rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [e.pk for e in trail["old"]]
    assert rows[0]["action"] == "young_person.view" and rows[0]["young_person_id"] == 7
    record = AuditArchive.objects.get(starts_at=month_start(36))
    assert record.events == 2 and record.file_name == path.name
    assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.size_bytes == path.stat().st_size
    # A second run finds nothing more to do.
    assert audit_archive.archive_old_events(directory=tmp_path) == []


def test_a_dry_run_changes_nothing(trail, tmp_path):
    before = AuditEvent.objects.count()
    call_command("archive_audit", "--dry-run", "--to", str(tmp_path))
    assert AuditEvent.objects.count() == before
    assert not list(tmp_path.iterdir()) and not AuditArchive.objects.exists()


def test_the_command_reports_each_month(trail, tmp_path, capsys):
    call_command("archive_audit", "--to", str(tmp_path))
    out = capsys.readouterr().out
    assert f"{month_start(36):%B %Y}: 2 events to {tmp_path}" in out
    with pytest.raises(CommandError, match="at least 24 months"):
        call_command("archive_audit", "--months", "12", "--to", str(tmp_path))


def refused(sql: str, params: list[int] | None = None, archive_id: int | None = None) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if archive_id is not None:
            cursor.execute(
                "SELECT set_config('yourchoice.audit_archive', %s, true)", [str(archive_id)]
            )
        cursor.execute(sql, params)


def test_recent_events_cannot_be_deleted_even_naming_an_archive(trail):
    recent = trail["recent"][0]
    # An archive row claiming the recent month does not open the door: the month is too new.
    fake = AuditArchive.objects.create(
        starts_at=month_start(23),
        ends_at=month_start(22),
        events=1,
        file_name="fake",
        size_bytes=0,
        sha256="0" * 64,
    )
    refused("DELETE FROM yourchoice_auditevent WHERE id = %s", [recent.pk], archive_id=fake.pk)
    refused("DELETE FROM yourchoice_auditevent WHERE id = %s", [recent.pk])
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_old_events_cannot_be_deleted_without_their_archive(trail):
    old = trail["old"][0]
    refused("DELETE FROM yourchoice_auditevent WHERE id = %s", [old.pk])
    other_month = AuditArchive.objects.create(
        starts_at=month_start(40),
        ends_at=month_start(39),
        events=0,
        file_name="other",
        size_bytes=0,
        sha256="0" * 64,
    )
    refused("DELETE FROM yourchoice_auditevent WHERE id = %s", [old.pk], archive_id=other_month.pk)
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def test_no_event_can_ever_be_changed_and_archives_are_append_only(trail, tmp_path):
    audit_archive.archive_old_events(directory=tmp_path)
    archive = AuditArchive.objects.first()
    assert archive is not None
    refused(
        "UPDATE yourchoice_auditevent SET action = 'tampered' WHERE id = %s",
        [trail["recent"][0].pk],
        archive_id=archive.pk,
    )
    refused("UPDATE yourchoice_auditarchive SET events = 0 WHERE id = %s", [archive.pk])
    refused("DELETE FROM yourchoice_auditarchive WHERE id = %s", [archive.pk])


def test_the_online_period_cannot_be_shortened():
    with pytest.raises(ValueError, match="24 months"):
        audit_archive.archive_old_events(months=23)
