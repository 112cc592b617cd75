"""Background work that is never lost when the queue (Redis) is down (docs/faults.md).

`send_after_commit` writes the job to the outbox (OutboxJob) in the caller's transaction, so
the job exists exactly when the record it is about does. Once the transaction commits, the job
is handed to the queue and its row deleted. If Redis cannot be reached the record is still
saved, the row stays, and the page says what is delayed (DelayedWorkMiddleware shows the
notices collected here). `send_waiting_jobs` then sends what is waiting: every minute from
Celery beat, and as soon as a worker starts.

Each job is sent under a row lock (SELECT ... FOR UPDATE SKIP LOCKED) and deleted in the same
transaction, so the sender after the commit and the sweeper never both send it. Only a
database failure in the instant between Redis taking the job and the row's deletion could
send it twice; nothing can make it vanish.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from enum import Enum
from functools import partial
from typing import Any

from celery import Task, current_app, shared_task
from celery.signals import worker_ready
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

#: One quick reconnection (a pooled connection from before a Redis restart is stale), then
#: give up: a coach is waiting, and the job is safe in the outbox.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

#: Notices for the person whose request found the queue down; None outside a request.
_notices: ContextVar[list[str] | None] = ContextVar("delayed_work_notices", default=None)


class Sent(Enum):
    SENT = "sent"  # the queue has it
    TAKEN = "taken"  # already sent, or being sent by another process
    FAILED = "failed"  # the queue (or the database) could not be reached: it waits


def send_after_commit(task: Task, *args: Any, delayed: str = "") -> None:
    """Queue `task(*args)` once the current transaction commits, and never lose it.

    `delayed` is what the person is told, in plain English, if the queue is down (for example
    "The email to your supervisor is delayed..."). Arguments must be JSON: ids, not objects.
    """
    from yourchoice.models import OutboxJob

    job = OutboxJob.objects.create(task=task.name, args=list(args))
    transaction.on_commit(partial(_send_committed, job.pk, delayed))


def _send_committed(job_id: int, delayed: str) -> None:
    if send_job(job_id) is not Sent.FAILED:
        return
    notices = _notices.get()
    if delayed and notices is not None and delayed not in notices:
        notices.append(delayed)


def send_job(job_id: int) -> Sent:
    """Hand one waiting job to the queue, unless someone else is already doing so."""
    from yourchoice.models import OutboxJob

    try:
        with transaction.atomic():
            job = OutboxJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                return Sent.TAKEN
            try:
                # Nothing in the service waits for a job's result. Asking for one would make
                # Celery subscribe to the result store first, and with Redis down its
                # reconnection loop held the coach's save for 19 s.
                current_app.send_task(
                    job.task,
                    args=job.args,
                    retry=True,
                    retry_policy=RETRY_POLICY,
                    ignore_result=True,
                )
            except Exception:  # noqa: BLE001 - any broker failure: the job waits, nothing is lost
                job.attempts += 1
                job.last_attempt_at = timezone.now()
                job.save(update_fields=["attempts", "last_attempt_at"])
                logger.warning(
                    "The queue is unavailable: job %s (%s) waits to be sent", job.pk, job.task
                )
                return Sent.FAILED
            job.delete()
            return Sent.SENT
    except Exception:  # noqa: BLE001 - the database itself failed: the committed row waits
        logger.warning("Could not send job %s; it waits to be sent", job_id, exc_info=True)
        return Sent.FAILED


def send_waiting_jobs(limit: int = 1000) -> int:
    """Send jobs the queue could not take before, oldest first. Stops at the first failure (the
    queue is still down). Returns how many this call sent."""
    from yourchoice.models import OutboxJob

    sent = 0
    for job_id in OutboxJob.objects.order_by("pk").values_list("pk", flat=True)[:limit]:
        outcome = send_job(job_id)
        if outcome is Sent.FAILED:
            break
        sent += outcome is Sent.SENT
    if sent:
        logger.info("Sent %s job(s) that were waiting for the queue", sent)
    return sent


def waiting_count() -> int:
    from yourchoice.models import OutboxJob

    return OutboxJob.objects.count()


@shared_task(name="yourchoice.queue.send_waiting_jobs_task", acks_late=True)
def send_waiting_jobs_task() -> int:
    """Every minute (beat) and at each worker's start: send what is waiting."""
    return send_waiting_jobs()


@worker_ready.connect
def _send_waiting_jobs_at_start(sender: Any = None, **kwargs: Any) -> None:
    """A worker that starts after an outage sends what waited, without waiting for beat."""
    try:
        send_waiting_jobs_task.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - the queue went again: beat will try in a minute
        logger.warning("Could not queue the sweep of waiting jobs at start-up")


@contextlib.contextmanager
def collecting_notices() -> Iterator[list[str]]:
    """Collect, for one request, what the queue being down delayed (DelayedWorkMiddleware)."""
    notices: list[str] = []
    token = _notices.set(notices)
    try:
        yield notices
    finally:
        _notices.reset(token)
