"""Notifications and each person's choice of email (docs/notifications.md, X10).

A notification is a message to one person, not a part of a young person's record: it holds
what happened (its kind), when, whether it has been read, and which young person it is about,
as an id only. Its manager filters by recipient, never by the visibility rule, so the count in
the header is one indexed query. What it says about a case is read through the rule when it is
shown (cases/notifications/selectors.py): a notification about a case the person no longer
holds shows nothing of it, not even its reference, and its link answers 404.

The models are defined here and registered with the cases app by cases/models.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationKind(models.TextChoices):
    """What a notification is about. The labels are what a person chooses email by."""

    CASE_ALLOCATED = "case_allocated", "A case is allocated to you"
    CASE_TRANSFERRED = "case_transferred", "A case is transferred to your authority"
    FLAG_RAISED = "flag_raised", "A flag is raised on your case"
    ACTION_GIVEN = "action_given", "An action is given to you in supervision"
    CLOSURE_RETURNED = "closure_returned", "A request to close a case is returned to you"
    CLOSURE_APPROVED = "closure_approved", "A request to close a case is approved"
    BREAK_GLASS_USED = "break_glass_used", "Someone uses break-glass access to your case"
    IMPORT_FINISHED = "import_finished", "An import of cases finishes"


#: What the list and the email say, by kind. "{case}" is the young person's reference when the
#: person still holds the case.
SAYS: dict[str, str] = {
    NotificationKind.CASE_ALLOCATED: "{case} has been allocated to you",
    NotificationKind.CASE_TRANSFERRED: "{case} has been transferred to your authority",
    NotificationKind.FLAG_RAISED: "A flag has been raised on {case}",
    NotificationKind.ACTION_GIVEN: "You have been given an action in supervision",
    NotificationKind.CLOSURE_RETURNED: "Your request to close {case} has been returned",
    NotificationKind.CLOSURE_APPROVED: "Your request to close {case} has been approved",
    NotificationKind.BREAK_GLASS_USED: "Someone outside your team opened {case} with break-glass",
    NotificationKind.IMPORT_FINISHED: "An import of cases has finished",
}


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, user: object) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    young_person = models.ForeignKey(
        "cases.YoungPerson",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The young person it is about, if any: shown only while the person holds them.",
    )
    object_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The flag, action, request, grant or import it is about."
    )
    link = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where a notification about no young person leads: a path in the service.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The header's count on every page: the person's unread, from this index alone.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_list"),
        ]
        constraints = [
            models.CheckConstraint(
                name="notification_link_is_a_path",
                condition=Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//")),
            ),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationEmail(models.Model):
    """A person chose to be emailed about notifications of this kind (by reference only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_emails"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    chosen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_email_once")
        ]
