"""The import's jobs, checking a file and saving it. Thin: the batch's id in; the service does
the work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from casework.imports import services

if TYPE_CHECKING:
    from celery import Task


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=900,
    time_limit=960,
    acks_late=True,
    reject_on_worker_lost=True,
)
def save_import(self: Task, batch_id: int) -> int | None:
    try:
        batch = services.import_save(batch_id)
    except SoftTimeLimitExceeded:
        services.import_fail(batch_id, "It took too long and was stopped. Nothing was saved.")
        raise
    except Exception as error:
        if (
            isinstance(error, OperationalError | ConnectionError)
            and self.request.retries < self.max_retries
        ):
            raise  # autoretry: the save's transaction was rolled back, so it starts afresh
        services.import_fail(
            batch_id, "Something went wrong saving the file. Nothing was saved: upload it again."
        )
        raise
    return batch.pk if batch is not None else None


@shared_task(
    bind=True,
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
    acks_late=True,
    reject_on_worker_lost=True,
)
def check_import(self: Task, batch_id: int) -> int | None:
    try:
        batch = services.import_check(batch_id)
    except SoftTimeLimitExceeded:
        services.import_fail(
            batch_id, "Checking it took too long and was stopped. Upload it again."
        )
        raise
    except Exception as error:
        if (
            isinstance(error, OperationalError | ConnectionError)
            and self.request.retries < self.max_retries
        ):
            raise  # autoretry: nothing was kept of the check, so it starts afresh
        services.import_fail(
            batch_id, "Something went wrong checking the file. Nothing was saved: upload it again."
        )
        raise
    return batch.pk if batch is not None else None
