"""Bounding the audit trail's growth (docs/audit.md): events older than the online period move,
a calendar month (Europe/London) at a time, to a gzip-compressed JSON-lines file, and are then
deleted through the one path the database allows (migration yourchoice/0005).

For each month: write the file under a temporary name and move it into place; read it back and
count; then, in one transaction, record the archive (events, size, SHA-256) and delete exactly
the events written, naming the archive so the trigger lets them go. If anything disagrees the
transaction rolls back and nothing is deleted.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from yourchoice.models import AuditArchive, AuditEvent

FIELDS = [
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "young_person_id",
    "authority_id",
    "ip_address",
    "detail",
]


class ArchiveMismatch(RuntimeError):
    """The file and the database disagree; nothing was deleted."""


@dataclass(frozen=True)
class ArchivedMonth:
    starts_at: datetime
    events: int
    path: Path | None  # None for a dry run


def _month_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime) -> datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return timezone.make_aware(datetime(year, month, 1), start.tzinfo)


def _months_before(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 - months
    return timezone.make_aware(datetime(index // 12, index % 12 + 1, 1), start.tzinfo)


def cutoff(months: int, now: datetime | None = None) -> datetime:
    """Months that end on or before this moment are archived."""
    return _months_before(_month_start(now or timezone.now()), months)


def _write(path: Path, events: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Write events as JSON lines, gzip-compressed, atomically. Returns (count, largest id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    count = largest = 0
    try:
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
            for row in events:
                out.write(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True).encode() + b"\n")
                count += 1
                largest = max(largest, row["id"])
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count, largest


def _check(path: Path) -> tuple[int, str]:
    """Read the file back: the number of events in it, and its SHA-256."""
    with gzip.open(path, "rb") as lines:
        count = sum(1 for line in lines if json.loads(line)["id"])
    return count, hashlib.sha256(path.read_bytes()).hexdigest()


def archive_month(start: datetime, directory: Path) -> ArchivedMonth:
    end = _next_month(start)
    in_month = AuditEvent.objects.filter(at__gte=start, at__lt=end)
    path = directory / f"audit-{start:%Y-%m}.jsonl.gz"
    written, largest = _write(path, in_month.order_by("at", "pk").values(*FIELDS).iterator(2000))
    counted, sha256 = _check(path)
    if counted != written:
        raise ArchiveMismatch(f"{path.name}: wrote {written} events but read back {counted}.")
    with transaction.atomic():
        archive = AuditArchive.objects.create(
            starts_at=start,
            ends_at=end,
            events=written,
            file_name=path.name,
            size_bytes=path.stat().st_size,
            sha256=sha256,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('yourchoice.audit_archive', %s, true)", [str(archive.pk)]
            )
        deleted, _ = in_month.filter(pk__lte=largest).delete()
        if deleted != written:
            raise ArchiveMismatch(f"{path.name}: wrote {written} events but {deleted} matched.")
    return ArchivedMonth(start, written, path)


def archive_old_events(
    *, months: int | None = None, directory: Path | None = None, dry_run: bool = False
) -> list[ArchivedMonth]:
    """Archive every whole month older than `months` (AUDIT_ONLINE_MONTHS), oldest first."""
    months = settings.AUDIT_ONLINE_MONTHS if months is None else months
    if months < 24:
        raise ValueError("Audit events stay online for at least 24 months.")
    directory = directory or Path(settings.AUDIT_ARCHIVE_DIR)
    limit = cutoff(months)
    oldest = AuditEvent.objects.filter(at__lt=limit).aggregate(first=Min("at"))["first"]
    done: list[ArchivedMonth] = []
    if oldest is None:
        return done
    start = _month_start(oldest)
    archived = set(AuditArchive.objects.values_list("starts_at", flat=True))
    while start < limit:
        if start not in archived:
            if dry_run:
                count = AuditEvent.objects.filter(at__gte=start, at__lt=_next_month(start)).count()
                if count:
                    done.append(ArchivedMonth(start, count, None))
            elif AuditEvent.objects.filter(at__gte=start, at__lt=_next_month(start)).exists():
                done.append(archive_month(start, directory))
        start = _next_month(start)
    return done
