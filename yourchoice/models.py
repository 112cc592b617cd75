"""The audit trail (docs/programme.md X2, docs/audit.md).

Append-only: a database trigger refuses UPDATE and DELETE on this table (migration 0002), so
not even a bug or an administrator in the shell can rewrite history. It holds who, what, which
record and when; never clinical free text or names.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # A plain id, not a foreign key: the trail must outlive the accounts it mentions.
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    young_person_id = models.BigIntegerField(null=True, blank=True)
    authority_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Structured facts only (ids, field names, statuses): never names or notes.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["young_person_id", "at"], name="audit_by_young_person"),
            models.Index(fields=["actor_id", "at"], name="audit_by_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


#: Every sign-in action starts so (AuditAction.SIGNIN_*), and every sign-out so
#: (AuditAction.SIGNOUT*): the administrator's view filters on them.
SIGNIN_PREFIX = "signin."
SIGNOUT_PREFIX = "signout"


class SignInEventManager(models.Manager["SignInEvent"]):
    def get_queryset(self) -> models.QuerySet[SignInEvent]:
        return (
            super()
            .get_queryset()
            .filter(
                models.Q(action__startswith=SIGNIN_PREFIX)
                | models.Q(action__startswith=SIGNOUT_PREFIX)
            )
        )


class SignInEvent(AuditEvent):
    """Sign-ins, failures, lockouts and sign-outs: the administrator's read-only view of the
    trail."""

    objects: ClassVar[SignInEventManager] = SignInEventManager()

    class Meta:
        proxy = True
        ordering = ["-at", "-pk"]
        verbose_name = "sign-in event"


class AuditArchive(models.Model):
    """A month of audit events moved to a compressed file (docs/audit.md). Written before the
    month's rows are deleted; the database lets them go only against a row of this table, and
    only once the month is past the online period. Append-only like the trail itself."""

    starts_at = models.DateTimeField(unique=True)
    ends_at = models.DateTimeField()
    events = models.PositiveIntegerField()
    file_name = models.CharField(max_length=200)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="audit_archive_month_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"Audit archive {self.starts_at:%Y-%m} ({self.events} events)"


class IdempotencyKey(models.Model):
    """The first answer to an API create sent with an `Idempotency-Key` header: a resend with
    the same key gets that answer again instead of making a second record, and the same key
    with a different body is refused (yourchoice/api/viewsets.py `idempotent`)."""

    user_id = models.BigIntegerField()
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    #: SHA-256 of the request body as parsed, in one canonical form. Null on answers kept
    #: before bodies were compared: a resend of one of those is answered as before.
    body_sha256 = models.CharField(max_length=64, null=True, blank=True)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_key_once_per_user")
        ]


class OutboxJob(models.Model):
    """A background job on its way to the queue (yourchoice/jobs/queue.py).

    Written in the same transaction as the record it is about, and deleted once the queue has
    taken it. A row that stays means the queue could not be reached: the sweeper sends it when
    the queue is back, so a job is never lost with the queue down. Arguments are ids only.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "job waiting for the queue"
        verbose_name_plural = "jobs waiting for the queue"

    def __str__(self) -> str:
        return f"{self.task} (waiting since {self.created_at:%Y-%m-%d %H:%M})"


class OutboxDelivery(models.Model):
    """Which message runs an outbox job, so the job runs once however often it is delivered.

    The relay gives each attempt to send a job a new message id. An attempt that timed out on a
    hung Redis may still reach the queue when Redis wakes, beside the relay's next attempt: the
    first message to start claims the job here and any other copy is not run. A redelivery of
    the same message (a worker killed mid-task) has the claiming id and runs again.
    """

    job_id = models.BigIntegerField(primary_key=True)
    task_id = models.CharField(max_length=200)
    claimed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "job delivered by the queue"
        verbose_name_plural = "jobs delivered by the queue"

    def __str__(self) -> str:
        return f"job {self.job_id} (run by {self.task_id})"


class QueueStatus(models.Model):
    """What the relay last found the queue (Redis) to be: one row, read by web requests to say
    what is delayed without ever contacting Redis themselves (yourchoice/jobs/queue.py)."""

    broker_up = models.BooleanField(default=True)
    changed_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "queue status"
        verbose_name_plural = "queue status"

    def __str__(self) -> str:
        state = "answering" if self.broker_up else "not answering"
        return f"Queue {state} (checked {self.checked_at:%Y-%m-%d %H:%M:%S})"
