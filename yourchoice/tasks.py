"""Service-wide jobs. Thin: the work is in the modules they call."""

from __future__ import annotations

from celery import shared_task

from yourchoice.audit import archive as audit_archive


@shared_task(acks_late=True)
def archive_audit_events() -> int:
    """Monthly: move audit events past the online period to their archive files."""
    return sum(month.events for month in audit_archive.archive_old_events())
