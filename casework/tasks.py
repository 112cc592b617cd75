"""Background work for the pages that combine a young person's casework. Thin: ids in."""

from __future__ import annotations

from celery import shared_task

from casework.offline import notifications


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def tell_supervisors_of_waiting_session(
    coach_id: int, supervisor_ids: list[int], episode_id: int | None, reason: str
) -> int:
    """Email the supervisors about a session waiting on a coach's phone. Returns emails sent."""
    return notifications.waiting_session(coach_id, supervisor_ids, episode_id, reason)


# The import's job lives with the import (casework/imports/tasks.py); loaded here so the worker
# registers it when it looks for this app's tasks.
from casework.imports.tasks import save_import  # noqa: E402

__all__ = ["save_import", "tell_supervisors_of_waiting_session"]
