"""Background work for running people. Tasks are thin: ids in, re-fetch, send mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from accounts.people import emails

if TYPE_CHECKING:
    from celery import Task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_enrolment_link(self: Task, link_id: int) -> int:
    """Email a one-time link to set up sign-in (an invitation, or after a lost phone)."""
    return emails.enrolment_link(link_id)
