"""Asking for break-glass access, and reviewing its use (docs/access.md, X9).

A supervisor or borough lead names the young person by their exact reference (given to them
by the borough that holds the record, say by phone) and says why. Nothing else finds a record
outside one's reach: no search, no list, no partial match. The grant is read-only, lasts
BREAK_GLASS_HOURS, tells the case's own coach and supervisor at once, and waits for the owning
authority's borough lead to review. Every step is in the audit trail, refusals included.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from cases.break_glass.models import BreakGlassGrant
from cases.models import Episode, YoungPerson
from cases.notifications.models import NotificationKind
from cases.notifications.services import notify
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.scoping import all_cases

if TYPE_CHECKING:
    from accounts.models import User

REFERENCE = re.compile(r"^YC-E09[0-9]{6}-[0-9]{6}$")


def _refused(
    actor: User, why: str, message: str, young_person: YoungPerson | None = None
) -> NoReturn:
    """Record the refusal (outside the grant's transaction, so it stays) and say why."""
    if young_person is None:
        audit.record(actor=actor, action=AuditAction.BREAK_GLASS_REFUSED, why=why)
    else:
        audit.record_for_young_person(
            actor=actor,
            action=AuditAction.BREAK_GLASS_REFUSED,
            young_person=young_person,
            why=why,
        )
    raise DomainError({"reference": [message]})


def break_glass_open(
    *, actor: User, reference: str, reason: str, now: datetime | None = None
) -> BreakGlassGrant:
    """Give the actor read-only access to the young person with this exact reference, for
    BREAK_GLASS_HOURS from `now`, and tell the case's coach and supervisors."""
    if not access.may_break_glass(actor):
        raise PermissionDenied
    reference = reference.strip().upper()
    errors: dict[str, list[str]] = {}
    if not REFERENCE.match(reference):
        errors["reference"] = [
            "Enter the young person's reference exactly as it was given to you, "
            "like YC-E09000012-000123"
        ]
    if not reason.strip():
        errors["reason"] = ["Say why you need this young person's record now."]
    if errors:
        raise DomainError(errors)
    # The one lookup outside the person's reach: one exact reference, nothing else.
    with all_cases("break-glass: the one young person named by their exact reference"):
        young_person = YoungPerson.objects.filter(reference=reference).first()
        current = (
            Episode.objects.filter(young_person=young_person, is_current=True).first()
            if young_person is not None
            else None
        )
    if young_person is None or current is None:
        _refused(
            actor,
            "unknown reference",
            "No young person has this reference. Check it with the person who gave it to you.",
        )
    assert young_person is not None and current is not None
    if Episode.objects.visible_to(actor).filter(pk=current.pk).exists():
        _refused(
            actor,
            "already in reach",
            "You can already see this young person's record: find them instead.",
            young_person,
        )
    if young_person.anonymised_at is not None:
        _refused(actor, "anonymised", "This record has been anonymised.", young_person)
    starts_at = now or timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            user=actor,
            young_person=young_person,
            authority_id=current.authority_id,
            reason=reason.strip(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=settings.BREAK_GLASS_HOURS),
        )
        audit.record_for_young_person(
            actor=actor,
            action=AuditAction.BREAK_GLASS_OPEN,
            young_person=young_person,
            obj=grant,
            hours=settings.BREAK_GLASS_HOURS,
            ends_at=grant.ends_at.isoformat(),
        )
        told = [current.coach_id] if current.coach_id else []
        if current.team_id is not None:
            told += access.supervisor_memberships(current.team_id).values_list("user_id", flat=True)
        notify(
            recipients=told,
            kind=NotificationKind.BREAK_GLASS_USED,
            actor=actor,
            young_person_id=young_person.pk,
            object_id=grant.pk,
        )
    return grant


@transaction.atomic
def break_glass_review(*, actor: User, grant: BreakGlassGrant) -> BreakGlassGrant:
    """The owning authority's borough lead has reviewed this use of break-glass access."""
    current = BreakGlassGrant.objects.select_for_update().get(pk=grant.pk)
    if not access.has_perm(actor, Perm.BREAK_GLASS_REVIEW) or (
        current.authority_id not in access.led_authority_ids(actor)
    ):
        raise PermissionDenied
    if current.reviewed_at is not None:
        return current
    current.reviewed_by = actor
    current.reviewed_at = timezone.now()
    current.save(update_fields=["reviewed_by", "reviewed_at"])
    audit.record(
        actor=actor,
        action=AuditAction.BREAK_GLASS_REVIEW,
        obj=current,
        young_person_id=current.young_person_id,
        authority_id=current.authority_id,
    )
    return current
