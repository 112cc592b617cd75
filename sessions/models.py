"""Coaching sessions (docs/programme.md S1–S4). The app label is "coaching" (see apps.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from yourchoice.scoping import CaseQuerySet, case_manager


class Technique(models.Model):
    """A CBT-informed technique from the managed list. Retired, never deleted, once used."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_YOUNG_PERSON = "cancelled_young_person", "Cancelled by the young person"
    CANCELLED_BY_COACH = "cancelled_coach", "Cancelled by the coach"


class Place(models.TextChoices):
    HOME = "home", "Home"
    SCHOOL = "school", "School"
    COMMUNITY = "community", "Community setting"
    YOUTH_CENTRE = "youth_centre", "Youth centre"
    ONLINE = "online", "Online"
    PHONE = "phone", "Phone"


#: The bounds of what a session records, written once: the database constraints below, the
#: session form, the API serializer and the service all read them.
MIN_DURATION_MINUTES = 1
MAX_DURATION_MINUTES = 600
#: How the young person felt at the start and end, 0 (very low) to 10 (very good).
MIN_FEELING = 0
MAX_FEELING = 10


class SessionLog(models.Model):
    """One planned meeting with a young person: held, missed or cancelled."""

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="session_logs"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_logs"
    )
    occurred_at = models.DateTimeField("date and time")
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    attendance = models.CharField(max_length=30, choices=Attendance.choices)
    place = models.CharField(max_length=20, choices=Place.choices, blank=True)
    techniques = models.ManyToManyField(Technique, blank=True, related_name="session_logs")
    feeling_start = models.PositiveSmallIntegerField(
        "how they felt at the start (0 to 10)", null=True, blank=True
    )
    feeling_end = models.PositiveSmallIntegerField(
        "how they felt at the end (0 to 10)", null=True, blank=True
    )
    between_session_task = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    safeguarding_concern = models.BooleanField("safeguarding concern raised", default=False)
    # A key the form generates once; a double-clicked or re-sent submit carries the same key,
    # so the database keeps one session.
    idempotency_key = models.UUIDField(unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="session_feelings_0_to_10",
                condition=(Q(feeling_start__isnull=True) | Q(feeling_start__lte=MAX_FEELING))
                & (Q(feeling_end__isnull=True) | Q(feeling_end__lte=MAX_FEELING)),
            ),
            models.CheckConstraint(
                name="session_duration_sensible",
                condition=Q(duration_minutes__isnull=True)
                | Q(
                    duration_minutes__gte=MIN_DURATION_MINUTES,
                    duration_minutes__lte=MAX_DURATION_MINUTES,
                ),
            ),
            models.CheckConstraint(
                name="session_attended_has_duration_and_place",
                condition=~Q(attendance=Attendance.ATTENDED)
                | (Q(duration_minutes__isnull=False) & ~Q(place="")),
            ),
            models.CheckConstraint(
                name="session_missed_has_no_feelings",
                condition=Q(attendance=Attendance.ATTENDED)
                | Q(feeling_start__isnull=True, feeling_end__isnull=True),
            ),
            # A session that did not happen stores no length or place either. Goal ratings
            # live in another table: sessions.services.session_log never writes them for one.
            models.CheckConstraint(
                name="session_missed_has_no_length_or_place",
                condition=Q(attendance=Attendance.ATTENDED)
                | Q(duration_minutes__isnull=True, place=""),
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "occurred_at"]),
            models.Index(fields=["coach", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk}"


class SessionNoteAddendum(models.Model):
    """A change to a session's notes after the correction window: who, when and why (S3)."""

    session_log = models.ForeignKey(SessionLog, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    reason = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "session_log__episode")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "session note addenda"
