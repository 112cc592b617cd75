"""Report and extract jobs. Thin: ids in; the services do the work (yourchoice/jobs/steps.py
says how a job ends)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from outcomes.reports import services
from yourchoice.jobs import steps

if TYPE_CHECKING:
    from celery import Task


@shared_task(soft_time_limit=600, time_limit=660, **steps.LONG_TASK)
def generate_report(self: Task, report_id: int) -> int | None:
    return steps.run(
        self,
        services.report_generate,
        services.report_fail,
        report_id,
        too_long="It took too long and was stopped. Ask for it again.",
        went_wrong="Something went wrong making the report. Ask for it again.",
    )


@shared_task
def sweep_stuck_reports() -> int:
    return services.reports_sweep()


@shared_task
def make_monthly_reports() -> int:
    return len(services.monthly_reports())


@shared_task(soft_time_limit=900, time_limit=960, **steps.LONG_TASK)
def generate_extract(self: Task, extract_id: int) -> int | None:
    # The extract services queue this task: imported on use, so neither module needs the
    # other to finish loading first.
    from outcomes.extracts import services as extract_services

    return steps.run(
        self,
        extract_services.extract_generate,
        extract_services.extract_fail,
        extract_id,
        too_long="It took too long and was stopped. Ask for it again.",
        went_wrong="Something went wrong making the extract. Ask for it again.",
    )
