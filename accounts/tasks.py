"""Background work for accounts. Tasks are thin: ids in, re-fetch, send mail."""

from __future__ import annotations

from celery import shared_task

from accounts import emails


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_password_reset(self, user_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Email a password reset link to each account asked for (none when the address typed
    belongs to no account). Returns emails sent."""
    return emails.password_reset(user_ids)
