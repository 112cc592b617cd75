"""Break-glass access (docs/programme.md X9, docs/access.md).

A supervisor or borough lead who needs a young person outside their reach in an emergency asks
for them by their exact reference, with a reason, and gets read-only access to that one young
person's record for BREAK_GLASS_HOURS. The visibility rule (cases/models.py, `_rule_for`)
includes a grant while it is live; no grant ever lets its holder change anything
(accounts/access.py, `can`).

A grant is a record of who read whose record and why, kept for the owning authority's borough
lead to review. It is not read through the visibility rule: its holder sees their own grants,
and the lead of the authority that held the record when it was granted sees those
(cases/break_glass/selectors.py). Its reason is free text and never goes into the audit trail.

The model is defined here and registered with the cases app by cases/models.py.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class BreakGlassGrantQuerySet(models.QuerySet["BreakGlassGrant"]):
    def live(self, now: datetime | None = None) -> BreakGlassGrantQuerySet:
        """Grants in force at `now`: started, and not yet ended."""
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)


class BreakGlassGrant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    young_person = models.ForeignKey(
        "cases.YoungPerson", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    authority = models.ForeignKey(
        "accounts.Authority",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The authority holding the record when access was given: its lead reviews it.",
    )
    reason = models.TextField("why you need this record now")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            # The visibility rule looks up the person's live grants on every case query.
            models.Index(fields=["user", "ends_at"], name="break_glass_by_user"),
            models.Index(fields=["authority", "reviewed_at"], name="break_glass_to_review"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="break_glass_has_reason"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="break_glass_ends_after_start"
            ),
            models.CheckConstraint(
                name="break_glass_review_complete",
                condition=Q(reviewed_by__isnull=True, reviewed_at__isnull=True)
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Break-glass access {self.pk}"

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at
