"""Background work for cases. Tasks are thin: ids in, re-fetch, call a service or send mail."""

from __future__ import annotations

from celery import shared_task

from cases import notifications


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_supervisors_of_flag(self, flag_id: int) -> int:  # type: ignore[no-untyped-def]
    """Tell the team's supervisors that a flag was raised from a session. Returns emails sent."""
    return notifications.flag_raised(flag_id)
