"""Scheduled supervision work. Thin: ids in, the digest module does the rest."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from supervision import digest
from yourchoice.jobs import queue


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_supervisor_digest(user_id: int) -> bool:
    return digest.send_digest(user_id)


@shared_task
def send_weekly_digests() -> int:
    """Monday morning (see CELERY_BEAT_SCHEDULE): one digest task per supervisor, through the
    outbox in one transaction, so a queue failure half way loses none and doubles none."""
    ids = digest.supervisors_to_email()
    with transaction.atomic():
        for user_id in ids:
            queue.send_after_commit(send_supervisor_digest, user_id)
    return len(ids)
