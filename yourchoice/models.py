"""The audit trail (PRODUCT.md X2, ENGINEERING.md §3.7).

Append-only: a database trigger refuses UPDATE and DELETE on this table (migration 0002), so
not even a bug or an administrator in the shell can rewrite history. It holds who, what, which
record and when; never clinical free text or names.
"""

from __future__ import annotations

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


class IdempotencyKey(models.Model):
    """The first answer to an API create sent with an `Idempotency-Key` header: a resend with
    the same key gets that answer again instead of making a second record."""

    user_id = models.BigIntegerField()
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_key_once_per_user")
        ]
