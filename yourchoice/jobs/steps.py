"""Running one long job (a report, an extract, an import's check or save) so that it never
ends without saying how: a job that fails for good marks its record failed, in plain words.

Each long task is retried a few times when the database or broker drops out (the step's
transaction was rolled back, so it starts afresh), and delivered again if its worker dies
(late acknowledgement); a record whose job started too often is given up by the step itself
(settings.JOB_STARTS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

if TYPE_CHECKING:
    from celery import Task

#: The options of every long task: retried when the database or broker drops out, acknowledged
#: only when finished, and delivered again if its worker is lost.
LONG_TASK: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "max_retries": 3,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def given_up(doing: str, starts: int, then: str) -> str:
    """Why a record whose jobs started too often (settings.JOB_STARTS) was given up, and what
    its owner can do now, in the same words for every kind of job."""
    return f"{doing} stopped part way {starts} times, so it was not tried again. {then}"


def run(
    task: Task,
    step: Callable[[int], Any],
    fail: Callable[[int, str], None],
    record_id: int,
    *,
    too_long: str,
    went_wrong: str,
) -> int | None:
    """Run `step` on the record; if it fails for good, `fail` records why, in plain words.
    Returns the record's id (None if the step left it alone)."""
    try:
        done = step(record_id)
    except SoftTimeLimitExceeded:
        fail(record_id, too_long)
        raise
    except Exception as error:
        if (
            isinstance(error, OperationalError | ConnectionError)
            and task.request.retries < task.max_retries
        ):
            raise  # autoretry: the step's transaction was rolled back, so it starts afresh
        fail(record_id, went_wrong)
        raise
    return done.pk if done is not None else None
