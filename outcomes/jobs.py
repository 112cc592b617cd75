"""A report's or an extract's job starting on its record (both have a status, a start time
and a count of starts)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from outcomes.models import Extract, Report, ReportStatus
from yourchoice.jobs import steps


def started(record: Report | Extract, *, again: str) -> bool:
    """Count a job's start on the record, locked by the caller: running from now. If jobs have
    started it JOB_STARTS times already (its worker died each time, and each death delivered it
    again), it is failed instead, saying so and `again` (what to ask for now), and False."""
    if record.attempts >= settings.JOB_STARTS:
        record.status = ReportStatus.FAILED
        record.failure_reason = steps.given_up("Making it", record.attempts, again)
        record.finished_at = timezone.now()
        record.save(update_fields=["status", "failure_reason", "finished_at"])
        return False
    record.status = ReportStatus.RUNNING
    record.started_at = timezone.now()
    record.attempts += 1
    record.save(update_fields=["status", "started_at", "attempts"])
    return True
