"""Background work for cases. Tasks are thin: ids in, re-fetch, call a service or send mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from cases.notifications import emails as notifications

if TYPE_CHECKING:
    from celery import Task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_supervisors_of_flag(self: Task, flag_id: int) -> int:
    """Tell the team's supervisors that a flag was raised from a session. Returns emails sent."""
    return notifications.flag_raised(flag_id)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification to a person who chose email for its kind (by reference only)."""
    return notifications.notification(notification_id)
