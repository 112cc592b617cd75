"""Background work that never holds up a request and is never lost (docs/faults.md).

A transactional outbox. `send_after_commit` writes the job to the outbox (OutboxJob) in the
caller's transaction, so the job exists exactly when the record it is about does, and wakes
the relay with a PostgreSQL NOTIFY, which is delivered only if that transaction commits. The
request never contacts Redis: a Redis that is down, or hung with its connections open and
nothing answering, cannot make a coach wait.

The relay (`relay`, run by `manage.py relay_jobs`) moves jobs to Redis as soon as it is woken,
and at least every OUTBOX_RELAY_POLL_SECONDS. Celery beat also sends what is waiting every
minute, and each worker as it starts, so jobs still go out if no relay runs. The relay records
whether Redis answers (QueueStatus), so a request can say what is delayed (DelayedWorkMiddleware
shows the notices collected here) from the database alone.

Exactly once: each job is sent under a row lock (SELECT ... FOR UPDATE SKIP LOCKED) and deleted
in the same transaction, so two senders never both send it. An attempt that timed out on a hung
Redis may still reach the queue when Redis wakes, beside the next attempt; each attempt carries
its own message id, and the first message to start claims the job (OutboxDelivery), so any
other copy is not run (`OutboxTask`).

The models are imported inside the functions that use them: the Celery app builds every task
class from `OutboxTask` (yourchoice/celery.py), which can happen before Django's apps are loaded.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import timedelta
from enum import Enum
from functools import partial
from typing import Any

from celery import Task, current_app, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from yourchoice import scoping
from yourchoice.jobs.redis_connection import bounded_client

logger = logging.getLogger(__name__)

#: The PostgreSQL channel on which a committed job wakes the relay.
CHANNEL = "yourchoice_outbox"

#: Message ids of outbox jobs: "outbox-<job id>-<attempt>".
PREFIX = "outbox-"

#: Seconds to wait for Redis to answer a PING (to connect, then to reply). /health/ must answer
#: within a second even when Redis is hung.
BROKER_CHECK_TIMEOUT = 0.4

#: A job waiting longer than this means the relay is not keeping up (or not running).
LATE = timedelta(seconds=30)

#: The relay writes its status at least this often; longer silence means it is not running
#: (beat's sweep, every minute, also writes it).
SILENT = timedelta(seconds=120)
HEARTBEAT_SECONDS = 10.0

#: Claims older than this are forgotten. A copy of a job can only arrive late while Redis hangs.
CLAIMS_KEPT = timedelta(days=7)

#: Notices for the person whose request found the queue behind; None outside a request.
_notices: ContextVar[list[str] | None] = ContextVar("delayed_work_notices", default=None)


class Sent(Enum):
    SENT = "sent"  # the queue has it
    TAKEN = "taken"  # already sent, or being sent by another process
    FAILED = "failed"  # the queue (or the database) could not be reached: it waits


# --- In the request ---------------------------------------------------------------------------


def send_after_commit(task: Task, *args: Any, delayed: str = "") -> None:
    """Queue `task(*args)` once the current transaction commits, and never lose it.

    Only the database is touched: the job is written to the outbox and the relay woken when
    the transaction commits. `delayed` is what the person is told, in plain English, if the
    queue is not answering (for example "The email to your supervisor is delayed...").
    Arguments must be JSON: ids, not objects.
    """
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxJob

    OutboxJob.objects.create(task=task.name, args=list(args))
    with connection.cursor() as cursor:
        # Transactional: the relay hears of the job only if it is committed.
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    if delayed:
        transaction.on_commit(partial(_say_if_delayed, delayed))


def _say_if_delayed(delayed: str) -> None:
    notices = _notices.get()
    if notices is None or delayed in notices:
        return
    try:
        behind = is_delayed()
    except Exception:  # noqa: BLE001 - the record is saved; a failing check must not undo the page
        logger.warning("Could not read the queue's status", exc_info=True)
        return
    if behind:
        notices.append(delayed)


def is_delayed() -> bool:
    """Whether a job made now would wait: the relay last found Redis not answering, has stopped
    reporting, or has left a job waiting too long. Reads the database only."""
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxJob, QueueStatus

    now = timezone.now()
    status = QueueStatus.objects.filter(pk=1).first()
    if status is not None and (not status.broker_up or status.checked_at < now - SILENT):
        return True
    return OutboxJob.objects.filter(created_at__lt=now - LATE).exists()


def waiting_count() -> int:
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxJob

    return OutboxJob.objects.count()


@contextlib.contextmanager
def collecting_notices() -> Iterator[list[str]]:
    """Collect, for one request, what the queue being behind delays (DelayedWorkMiddleware)."""
    notices: list[str] = []
    token = _notices.set(notices)
    try:
        yield notices
    finally:
        _notices.reset(token)


# --- Redis ------------------------------------------------------------------------------------


def broker_answers(timeout: float = BROKER_CHECK_TIMEOUT) -> bool:
    """Whether Redis answers a PING within `timeout` seconds to connect and again to reply."""
    client = bounded_client(current_app.conf.broker_url, timeout=timeout)
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - down, hung or refusing: it does not answer
        return False
    finally:
        client.close()


def note_queue(up: bool) -> None:
    """Record what the queue was found to be, for requests to read (is_delayed)."""
    # Imported on use: see the module docstring.
    from yourchoice.models import QueueStatus

    now = timezone.now()
    changed = (
        QueueStatus.objects.filter(pk=1)
        .exclude(broker_up=up)
        .update(broker_up=up, changed_at=now, checked_at=now)
    )
    if not changed and not QueueStatus.objects.filter(pk=1).update(checked_at=now):
        QueueStatus.objects.get_or_create(pk=1, defaults={"broker_up": up})
    if changed:
        logger.log(
            logging.INFO if up else logging.WARNING,
            "The queue is %s",
            "answering again" if up else "not answering: jobs wait in the outbox",
        )


def _forget_broker_connections() -> None:
    """Drop pooled connections after a failure, so the next attempt dials afresh rather than
    reusing a socket a hung or restarted Redis left behind."""
    app = current_app
    app._pool = None
    app.amqp._producer_pool = None


# --- Sending ----------------------------------------------------------------------------------


def send_job(job_id: int) -> Sent:
    """Hand one waiting job to the queue, unless someone else is already doing so."""
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxJob

    try:
        with transaction.atomic():
            job = OutboxJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                return Sent.TAKEN
            try:
                # One attempt, its own message id (see OutboxTask). No result is asked for:
                # nothing waits for one, and it would first connect to the result store.
                current_app.send_task(
                    job.task,
                    args=job.args,
                    task_id=f"{PREFIX}{job.pk}-{uuid.uuid4().hex}",
                    retry=False,
                    ignore_result=True,
                )
            except Exception:  # noqa: BLE001 - any broker failure: the job waits, nothing is lost
                job.attempts += 1
                job.last_attempt_at = timezone.now()
                job.save(update_fields=["attempts", "last_attempt_at"])
                logger.warning(
                    "The queue is unavailable: job %s (%s) waits to be sent", job.pk, job.task
                )
                _forget_broker_connections()
                return Sent.FAILED
            job.delete()
            return Sent.SENT
    except Exception:  # noqa: BLE001 - the database itself failed: the committed row waits
        logger.warning("Could not send job %s; it waits to be sent", job_id, exc_info=True)
        return Sent.FAILED


def _send_waiting(limit: int) -> tuple[int, bool]:
    """(sent, failed): send waiting jobs oldest first, stopping at the first failure."""
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxJob

    sent = 0
    for job_id in OutboxJob.objects.order_by("pk").values_list("pk", flat=True)[:limit]:
        outcome = send_job(job_id)
        if outcome is Sent.FAILED:
            return sent, True
        sent += outcome is Sent.SENT
    return sent, False


def send_waiting_jobs(limit: int = 1000) -> int:
    """Send jobs waiting in the outbox, oldest first. Stops at the first failure (the queue is
    down). Returns how many this call sent."""
    sent, failed = _send_waiting(limit)
    if sent or failed:
        note_queue(not failed)
    if sent:
        logger.info("Sent %s job(s) from the outbox", sent)
    return sent


@shared_task(name="yourchoice.queue.send_waiting_jobs_task", acks_late=True)
def send_waiting_jobs_task() -> int:
    """Every minute (beat) and at each worker's start: send what is waiting, and forget old
    claims."""
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxDelivery

    OutboxDelivery.objects.filter(claimed_at__lt=timezone.now() - CLAIMS_KEPT).delete()
    return send_waiting_jobs()


@worker_ready.connect
def _send_waiting_jobs_at_start(sender: Any = None, **kwargs: Any) -> None:
    """A worker that starts after an outage sends what waited, without waiting for beat."""
    try:
        send_waiting_jobs_task.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - the queue went again: the relay or beat will send them
        logger.warning("Could not queue the sweep of waiting jobs at start-up")


# --- The relay --------------------------------------------------------------------------------


def _listen() -> Any:
    """A connection of its own LISTENing on CHANNEL, or None behind a transaction pooler
    (LISTEN needs a session that stays with one server connection): the relay then polls."""
    if settings.DATABASE_POOLER:
        return None
    listener = connection.get_new_connection(connection.get_connection_params())
    listener.autocommit = True
    with listener.cursor() as cursor:
        cursor.execute(f"LISTEN {CHANNEL}")
    return listener


def _wait(listener: Any, seconds: float, stop: threading.Event) -> Any:
    """Until a job is committed, `seconds` pass or `stop` is set. Returns the listener, or
    None if it was lost (it is opened again on the next round)."""
    if listener is None:
        stop.wait(seconds)
        return None
    deadline = time.monotonic() + seconds
    try:
        # In short slices, so that `stop` is noticed promptly even with a long poll.
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([listener], [], [], min(left, 0.5))
            if readable:
                listener.poll()
                listener.notifies.clear()
                break
        return listener
    except Exception:  # noqa: BLE001 - the database went: poll until it is back
        with contextlib.suppress(Exception):
            listener.close()
        stop.wait(seconds)
        return None


def relay(*, poll: float | None = None, stop: threading.Event | None = None) -> None:
    """Move committed jobs to Redis until `stop` is set: at once when a job is committed, and
    every `poll` seconds (OUTBOX_RELAY_POLL_SECONDS) in any case. Checks that Redis answers
    before each round, records it (QueueStatus), and sends nothing while it does not, so a hung
    Redis holds the relay for a fraction of a second rather than a socket timeout."""
    poll = settings.OUTBOX_RELAY_POLL_SECONDS if poll is None else poll
    stop = stop or threading.Event()
    listener = None
    noted: tuple[bool, float] | None = None
    try:
        while not stop.is_set():
            try:
                close_old_connections()  # a database restart leaves a dead connection behind
                if listener is None:
                    listener = _listen()
                up = broker_answers()
                if up:
                    sent, failed = _send_waiting(limit=1000)
                    up = not failed
                    if sent:
                        logger.info("Sent %s job(s) from the outbox", sent)
                if (
                    noted is None
                    or noted[0] != up
                    or time.monotonic() - noted[1] > HEARTBEAT_SECONDS
                ):
                    note_queue(up)
                    noted = (up, time.monotonic())
            except Exception:  # noqa: BLE001 - the database is down: the relay keeps trying
                logger.warning("The relay could not reach the database", exc_info=True)
                if listener is not None:
                    with contextlib.suppress(Exception):
                        listener.close()
                    listener = None
            listener = _wait(listener, poll, stop)
    finally:
        if listener is not None:
            with contextlib.suppress(Exception):
                listener.close()
        connection.close()


# --- In the worker ----------------------------------------------------------------------------


def _claim(task_id: str) -> bool:
    """Whether this message may run its job: it is the first to claim it, or the same message
    delivered again."""
    # Imported on use: see the module docstring.
    from yourchoice.models import OutboxDelivery

    job_id = int(task_id[len(PREFIX) :].split("-", 1)[0])
    OutboxDelivery.objects.bulk_create(
        [OutboxDelivery(job_id=job_id, task_id=task_id)], ignore_conflicts=True
    )
    return OutboxDelivery.objects.filter(job_id=job_id, task_id=task_id).exists()


class OutboxTask(Task):
    """Every task of the service: a job from the outbox runs once, whichever copy comes first."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = getattr(self.request, "id", None) or ""
        if task_id.startswith(PREFIX) and not _claim(task_id):
            logger.warning("A second copy of job %s arrived; it is not run", task_id)
            return None
        # A job works for the programme, not for the person whose action queued it: it reads
        # what its work needs (a report every case, an email its one case).
        with scoping.all_cases(f"the {self.name} job"):
            return super().__call__(*args, **kwargs)
