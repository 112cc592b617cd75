"""Background work for accounts. Tasks are thin: ids in, re-fetch, send mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from accounts import emails
from accounts.people import tasks as people_tasks  # noqa: F401 - the worker finds its tasks here

if TYPE_CHECKING:
    from celery import Task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_password_reset(self: Task, user_ids: list[int]) -> int:
    """Email a password reset link to each account asked for (none when the address typed
    belongs to no account). Returns emails sent."""
    return emails.password_reset(user_ids)
