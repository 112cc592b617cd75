"""Contexts of extra-familial harm, and the young people linked to them (docs/contexts.md, C10).

A *context* is a peer group, a place, a school or an online space where young people on the
programme meet harm. It is recorded once and linked to each young person it touches, with who
linked them, when and why. A link is part of the young person's record, so it follows the one
visibility rule (`YoungPersonRecordQuerySet`): whoever holds the young person sees the link. A
context is seen by whoever sees one of its links; the links they cannot see are only ever
counted, never shown (`cases/contexts/selectors.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts import access
from cases.models import YoungPerson, YoungPersonRecordQuerySet, held_young_people
from yourchoice.scoping import CaseManager, CaseQuerySet

if TYPE_CHECKING:
    from accounts.models import User


class ContextKind(models.TextChoices):
    PEER_GROUP = "peer_group", "Peer group"
    PLACE = "place", "Place"
    SCHOOL = "school", "School"
    ONLINE = "online", "Online space"
    OTHER = "other", "Other"


class ContextQuerySet(CaseQuerySet):
    case_path = "links"

    def visible_to(self, user: User) -> Self:
        """Contexts with a link, current or ended, to a young person the user holds (the
        visibility rule, reached through the links); and, for a borough lead, the contexts
        spanning an authority they lead, so they can link their own young people to them."""
        held = held_young_people(user)
        led = access.led_authority_ids(user)
        if held is None and not led:
            return self.none()
        seen = Q(pk__in=[])
        if held is not None:
            # Built on the queryset class, not the manager: this is the rule itself.
            links = ContextLinkQuerySet(model=ContextLink).filter(
                access.EqualsAny(F("young_person_id"), held)
            )
            seen |= Q(pk__in=links.values("context_id"))
        if led:
            spans = Context.authorities.through._default_manager.filter(authority_id__in=led)
            seen |= Q(pk__in=spans.values("context_id"))
        return self.filter(seen)


class Context(models.Model):
    """A peer group, place, school or online space that links young people (C10)."""

    kind = models.CharField(max_length=20, choices=ContextKind.choices)
    name = models.CharField(max_length=150)
    description = models.TextField(
        blank=True, help_text="What is known about it: never the names of young people."
    )
    authorities = models.ManyToManyField(
        "accounts.Authority",
        related_name="contexts",
        help_text="The authorities it spans: those named when it was recorded, and the "
        "authority of every young person linked to it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: The form's own key: a form sent twice records one context.
    idempotency_key = models.UUIDField(unique=True, editable=False)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When its name and description were removed, once no link remained (X6).",
    )

    objects = CaseManager.from_queryset(ContextQuerySet)()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="context_has_name"),
        ]

    def __str__(self) -> str:
        # Its name may say where young people meet harm: admin, logs and errors get the id.
        return f"Context {self.pk}"


class ContextLinkQuerySet(YoungPersonRecordQuerySet):
    def current(self) -> Self:
        return self.filter(ended_at__isnull=True)


class ContextLink(models.Model):
    """A young person linked to a context: since when, by whom and why; ended, never deleted."""

    context = models.ForeignKey(Context, on_delete=models.PROTECT, related_name="links")
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="context_links"
    )
    reason = models.TextField("why they are linked")
    known_from = models.DateField("linked since", help_text="When the link was first known.")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField("why the link ended", blank=True)

    objects = CaseManager.from_queryset(ContextLinkQuerySet)()

    class Meta:
        ordering = ["-known_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["context", "young_person"],
                condition=Q(ended_at__isnull=True),
                name="context_link_one_current",
            ),
            models.CheckConstraint(
                name="context_link_end_complete",
                condition=Q(ended_at__isnull=True, ended_on__isnull=True, ended_by__isnull=True)
                | Q(ended_at__isnull=False, ended_on__isnull=False),
            ),
            models.CheckConstraint(
                name="context_link_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("known_from")),
            ),
        ]

    @property
    def is_current(self) -> bool:
        return self.ended_at is None
