"""Retention decisions: keep a record longer (with a reason), or anonymise it (X6).

Anonymising removes what identifies the young person and everything written in free text
about them, and keeps what the reports count: the reference, the episodes and their dates,
attendance, ratings and scores, the reporting categories (gender, ethnicity, SEN, looked-after
status, education, youth justice) and a date of birth cut to the month that gives every
referral the same age as before. So every report figure stays the same (tested). It cannot be
undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from cases.contexts import services as context_services
from cases.models import (
    BudgetSpend,
    ClosureRequest,
    Episode,
    KeyContact,
    Referral,
    RetentionExtension,
    RiskFlag,
    YoungPerson,
)
from casework.retention import rules
from casework.retention.selectors import Retention, require_retention_decider, retention_of
from outcomes.models import Goal
from sessions.models import SessionLog, SessionNoteAddendum
from supervision.models import Action, CaseDiscussion
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

#: What replaces free text that is removed, where the record must still say something.
REMOVED = "Removed when the record was anonymised."
#: The furthest ahead a record can be kept, from today.
LONGEST_EXTENSION_YEARS = 25


def _checked(actor: User, young_person: YoungPerson) -> Retention:
    retention = retention_of(young_person.pk)
    require_retention_decider(actor, retention.episode, retention.young_person)
    if retention.young_person.anonymised_at is not None:
        raise DomainError("This record has already been anonymised.")
    return retention


@transaction.atomic
def retention_extend(
    *, actor: User, young_person: YoungPerson, keep_until: date, reason: str
) -> RetentionExtension:
    """Keep the record until a later date, saying why. The reason stays with the record (and
    is removed if it is anonymised); the audit trail notes the decision and the date only."""
    retention = _checked(actor, young_person)
    today = timezone.localdate()
    if retention.retention_on is None:
        raise DomainError("The record is kept while a case is open; there is nothing to extend.")
    if not reason.strip():
        raise DomainError({"reason": ["Say why the record should be kept for longer."]})
    if keep_until <= max(retention.retention_on, today):
        raise DomainError(
            {
                "keep_until": [
                    "Choose a date after "
                    f"{max(retention.retention_on, today):%-d %B %Y}, when it would otherwise end."
                ]
            }
        )
    if keep_until > rules.add_years(today, LONGEST_EXTENSION_YEARS):
        raise DomainError(
            {"keep_until": [f"Choose a date within {LONGEST_EXTENSION_YEARS} years from today."]}
        )
    extension = RetentionExtension.objects.create(
        young_person=retention.young_person,
        keep_until=keep_until,
        reason=reason.strip(),
        decided_by=actor,
    )
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.RETENTION_EXTEND,
        young_person=retention.young_person,
        obj=extension,
        keep_until=keep_until.isoformat(),
    )
    return extension


@dataclass(frozen=True)
class Anonymised:
    young_person: YoungPerson
    texts_removed: int
    key_contacts_removed: int


@transaction.atomic
def young_person_anonymise(*, actor: User, young_person: YoungPerson) -> Anonymised:
    """Remove identifying details and free text for good; keep what reports count."""
    retention = _checked(actor, young_person)
    if retention.has_open_case:
        raise DomainError("A young person with an open case cannot be anonymised.")
    if not retention.may_anonymise:
        raise DomainError(
            f"This record is kept until {retention.retention_on:%-d %B %Y}. It can be "
            f"anonymised from {retention.reviewable_from:%-d %B %Y}."
        )
    person = retention.young_person
    episodes = Episode.objects.filter(young_person=person)
    referral_dates = list(episodes.values_list("referred_on", flat=True))
    texts = _remove_free_text(episodes, person)
    contacts, _ = KeyContact.objects.filter(young_person=person).delete()
    links, contexts = context_services.contexts_anonymise_links(actor=actor, young_person=person)
    now = timezone.now()
    YoungPerson.objects.filter(pk=person.pk).update(
        given_name="Anonymised",
        family_name="young person",
        preferred_name="",
        date_of_birth=rules.coarse_date_of_birth(person.date_of_birth, referral_dates),
        anonymised_at=now,
        updated_at=now,
        version=person.version + 1,
    )
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.YOUNG_PERSON_ANONYMISE,
        young_person=person,
        texts_removed=texts,
        key_contacts_removed=contacts,
        context_links_ended=links,
        contexts_anonymised=contexts,
    )
    person.refresh_from_db()
    return Anonymised(person, texts, contacts)


def _remove_free_text(episodes: QuerySet[Episode], person: YoungPerson) -> int:
    """Replace every free-text field about the young person; return how many were changed."""
    in_episodes: dict[str, object] = {"episode__in": episodes}
    changes: list[tuple[type[Model], dict[str, object], dict[str, str]]] = [
        (Referral, in_episodes, {"referrer_name": ""}),
        (SessionLog, in_episodes, {"notes": REMOVED}),
        (SessionLog, in_episodes, {"between_session_task": REMOVED}),
        (SessionNoteAddendum, {"session_log__episode__in": episodes}, {"text": REMOVED}),
        (SessionNoteAddendum, {"session_log__episode__in": episodes}, {"reason": REMOVED}),
        (Goal, in_episodes, {"description": REMOVED}),
        (RiskFlag, in_episodes, {"summary": REMOVED}),
        (RiskFlag, in_episodes, {"resolution": REMOVED}),
        (ClosureRequest, in_episodes, {"summary": REMOVED}),
        (ClosureRequest, in_episodes, {"decision_comment": REMOVED}),
        (BudgetSpend, in_episodes, {"description": REMOVED}),
        (CaseDiscussion, in_episodes, {"notes": REMOVED}),
        (Action, in_episodes, {"description": REMOVED}),
        (RetentionExtension, {"young_person": person}, {"reason": REMOVED}),
    ]
    changed = 0
    for model, where, values in changes:
        ((field, value),) = values.items()
        # Empty text stays empty; text already replaced is not counted twice.
        changed += (
            model._default_manager.filter(**where)
            .exclude(**{field: ""})
            .exclude(**{field: value})
            .update(**values)
        )
    return changed
