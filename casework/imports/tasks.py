"""The import's jobs, checking a file and saving it. Thin: the batch's id in; the service does
the work (yourchoice/jobs/steps.py says how a job ends)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from casework.imports import services
from yourchoice.jobs import steps

if TYPE_CHECKING:
    from celery import Task


@shared_task(soft_time_limit=900, time_limit=960, **steps.LONG_TASK)
def save_import(self: Task, batch_id: int) -> int | None:
    return steps.run(
        self,
        services.import_save,
        services.import_fail,
        batch_id,
        too_long="It took too long and was stopped. Nothing was saved.",
        went_wrong="Something went wrong saving the file. Nothing was saved: upload it again.",
    )


@shared_task(soft_time_limit=600, time_limit=660, **steps.LONG_TASK)
def check_import(self: Task, batch_id: int) -> int | None:
    return steps.run(
        self,
        services.import_check,
        services.import_fail,
        batch_id,
        too_long="Checking it took too long and was stopped. Upload it again.",
        went_wrong="Something went wrong checking the file. Nothing was saved: upload it again.",
    )


@shared_task
def sweep_stuck_imports() -> int:
    return services.imports_sweep()
