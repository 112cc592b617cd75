"""Clinical supervision records and the actions agreed in them (docs/programme.md V1–V4).

A supervision record belongs to a team. Who may see it: the supervisors of that team, the
coaches who were present, and the authority's borough leads. The cases discussed in it are case
data and follow the case rule; actions attached to a case follow the case rule too, and an
action's owner always sees their own actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import access
from cases.models import Episode
from yourchoice.scoping import CaseManager, CaseQuerySet, case_manager

if TYPE_CHECKING:
    from accounts.models import User


class SupervisionFormat(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    GROUP = "group", "Group"


class SupervisionRecordQuerySet(CaseQuerySet):
    def visible_to(self, user: User) -> Self:
        """The records the policy lets the user see (access.supervision_scope)."""
        scope = access.supervision_scope(user)
        # Built on the queryset class, not the manager: this is the rule itself, not a caller
        # of it. A subquery, because the scope joins attendees and would repeat records.
        records: models.QuerySet[SupervisionRecord] = SupervisionRecordQuerySet(
            model=self.model
        ).filter(scope)
        return self.filter(pk__in=records.values("pk"))


class SupervisionRecord(models.Model):
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisions_given"
    )
    held_on = models.DateField()
    format = models.CharField(max_length=20, choices=SupervisionFormat.choices)
    decisions = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseManager.from_queryset(SupervisionRecordQuerySet)()

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["team", "held_on"])]

    def __str__(self) -> str:
        return f"Supervision {self.pk}"


class SupervisionAttendee(models.Model):
    """A coach present at supervision, with their wellbeing check-in."""

    record = models.ForeignKey(
        SupervisionRecord, on_delete=models.CASCADE, related_name="attendees"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisions_attended"
    )
    wellbeing_checkin = models.TextField("wellbeing check-in", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "coach"], name="attendee_once_per_record")
        ]
        indexes = [models.Index(fields=["coach", "record"])]


class CaseDiscussion(models.Model):
    """A case discussed in supervision, with notes on that case."""

    record = models.ForeignKey(
        SupervisionRecord, on_delete=models.CASCADE, related_name="discussions"
    )
    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="discussions"
    )
    notes = models.TextField(blank=True)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "episode"], name="discussion_once_per_record")
        ]


class ActionQuerySet(CaseQuerySet):
    def visible_to(self, user: User) -> Self:
        return self.filter(
            Q(episode__in=Episode.objects.visible_to(user).values("pk"))
            | Q(episode__isnull=True, owner=user)
            | Q(
                episode__isnull=True,
                record__in=SupervisionRecord.objects.visible_to(user).values("pk"),
            )
        )

    def outstanding(self) -> Self:
        return self.filter(done_at__isnull=True)


class Action(models.Model):
    """Something agreed in supervision, with an owner and a due date, shown until done."""

    record = models.ForeignKey(SupervisionRecord, on_delete=models.CASCADE, related_name="actions")
    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseManager.from_queryset(ActionQuerySet)()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="action_done_has_who",
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
            )
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(done_at__isnull=True),
                name="action_outstanding_by_owner",
            ),
            models.Index(
                fields=["episode"],
                condition=Q(done_at__isnull=True),
                name="action_outstanding_by_episode",
            ),
        ]
