"""The import's jobs, checking a file and saving it. Thin: the batch's id in; the service does
the work."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from casework.imports import services

if TYPE_CHECKING:
    from celery import Task

    from casework.imports.models import ImportBatch

#: Each job is retried a few times when the database or broker drops out, and delivered again
#: if its worker dies: each starts afresh, since a failed step keeps nothing.
_RETRIED = {
    "bind": True,
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "max_retries": 3,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def _run(
    task: Task,
    step: Callable[[int], ImportBatch | None],
    batch_id: int,
    *,
    too_long: str,
    went_wrong: str,
) -> int | None:
    """Run one step of an import; if it fails for good, the batch says why, in plain words."""
    try:
        batch = step(batch_id)
    except SoftTimeLimitExceeded:
        services.import_fail(batch_id, too_long)
        raise
    except Exception as error:
        if (
            isinstance(error, OperationalError | ConnectionError)
            and task.request.retries < task.max_retries
        ):
            raise  # autoretry: the step's transaction was rolled back, so it starts afresh
        services.import_fail(batch_id, went_wrong)
        raise
    return batch.pk if batch is not None else None


@shared_task(soft_time_limit=900, time_limit=960, **_RETRIED)
def save_import(self: Task, batch_id: int) -> int | None:
    return _run(
        self,
        services.import_save,
        batch_id,
        too_long="It took too long and was stopped. Nothing was saved.",
        went_wrong="Something went wrong saving the file. Nothing was saved: upload it again.",
    )


@shared_task(soft_time_limit=600, time_limit=660, **_RETRIED)
def check_import(self: Task, batch_id: int) -> int | None:
    return _run(
        self,
        services.import_check,
        batch_id,
        too_long="Checking it took too long and was stopped. Upload it again.",
        went_wrong="Something went wrong checking the file. Nothing was saved: upload it again.",
    )


@shared_task
def sweep_stuck_imports() -> int:
    return services.imports_sweep()
