"""Report jobs. Thin: ids in; the services do the work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from outcomes.reports import services

if TYPE_CHECKING:
    from celery import Task


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
def generate_report(self: Task, report_id: int) -> int:
    try:
        return services.report_generate(report_id).pk
    except SoftTimeLimitExceeded:
        services.report_fail(report_id, "It took too long and was stopped. Ask for it again.")
        raise
    except Exception as error:
        if (
            isinstance(error, OperationalError | ConnectionError)
            and self.request.retries < self.max_retries
        ):
            raise  # autoretry
        services.report_fail(report_id, "Something went wrong making the report. Ask for it again.")
        raise


@shared_task
def sweep_stuck_reports() -> int:
    return services.reports_sweep()


@shared_task
def make_monthly_reports() -> int:
    return len(services.monthly_reports())


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
def generate_extract(self: Task, extract_id: int) -> int:
    # The extract services queue this task: imported on use, so neither module needs the
    # other to finish loading first.
    from outcomes.extracts import services as extract_services

    return extract_services.extract_generate(extract_id).pk
