"""Writes to contexts: record one, link a young person to it, end a link (docs/contexts.md, C10).

Each takes the acting person, who must be able to link *this* young person (CONTEXT_WRITE on
their current case) and, for an existing context, see it already. A context's span always
includes the authority of every young person linked to it, so linking someone from another
authority (or transferring them there) widens it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from accounts.models import Authority
from cases.contexts.models import Context, ContextKind, ContextLink, ContextLinkQuerySet
from cases.models import Episode, YoungPerson
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

#: What replaces a link's free text, and a context's, when retention anonymises them.
REMOVED = "Removed when the record was anonymised."
ANONYMISED_NAME = "Anonymised context"


def _require_may_link(actor: User, young_person: YoungPerson) -> Episode:
    """The young person's current case, if the actor may link them. Pages find the young
    person through the visibility rule first (404 when out of reach); this refuses anyone whose
    roles do not grant linking on that case."""
    episode = (
        Episode.objects.visible_to(actor)
        .filter(young_person_id=young_person.pk, is_current=True)
        .first()
    )
    if episode is None:
        raise PermissionDenied
    access.require_on(actor, Perm.CONTEXT_WRITE, episode)
    if young_person.anonymised_at is not None:
        raise DomainError("This record has been anonymised: it cannot be linked to a context.")
    return episode


def _checked_link(reason: str, known_from: date) -> tuple[str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Say why the young person is linked to this context."]
    dates.add(errors, "known_from", dates.happened(known_from, what="The date the link was known"))
    return reason.strip(), errors


def _widen_span(context: Context, authority_ids: Iterable[int]) -> None:
    context.authorities.add(*authority_ids)


def _create_link(
    *, actor: User, context: Context, young_person: YoungPerson, reason: str, known_from: date
) -> ContextLink:
    existing = ContextLink.objects.filter(
        context=context, young_person=young_person, ended_at__isnull=True
    ).first()
    if existing is not None:
        if existing.linked_by_id == actor.pk and existing.reason == reason:
            return existing  # the same form sent twice: one link
        raise DomainError({"context": ["The young person is already linked to this context."]})
    try:
        with transaction.atomic():
            link = ContextLink.objects.create(
                context=context,
                young_person=young_person,
                reason=reason,
                known_from=known_from,
                linked_by=actor,
            )
    except IntegrityError:
        raise DomainError(
            {"context": ["The young person is already linked to this context."]}
        ) from None
    _widen_span(context, [young_person.authority_id])
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.CONTEXT_LINK,
        young_person=young_person,
        obj=link,
        context_id=context.pk,
    )
    return link


@transaction.atomic
def context_create(
    *,
    actor: User,
    young_person: YoungPerson,
    idempotency_key: uuid.UUID,
    kind: str,
    name: str,
    description: str = "",
    authorities: Iterable[Authority] = (),
    reason: str,
    known_from: date,
) -> ContextLink:
    """Record a context and link the young person to it: a context is always recorded from
    someone it touches, so it is never without a link that someone can see. The same form sent
    twice (its `idempotency_key`) records one context and one link."""
    _require_may_link(actor, young_person)
    existing = Context.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        link = ContextLink.objects.filter(context=existing, young_person=young_person).first()
        if link is None:
            raise DomainError("This form was already used for another young person. Reload it.")
        return link
    reason, errors = _checked_link(reason, known_from)
    if kind not in ContextKind.values:
        errors["kind"] = ["Choose what kind of context it is."]
    if not name.strip():
        errors["name"] = ["Give the context a name people will recognise."]
    if errors:
        raise DomainError(errors)
    context = Context.objects.create(
        kind=kind,
        name=name.strip(),
        description=description.strip(),
        created_by=actor,
        idempotency_key=idempotency_key,
    )
    _widen_span(context, [a.pk for a in authorities])
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.CONTEXT_CREATE,
        young_person=young_person,
        obj=context,
        kind=kind,
    )
    return _create_link(
        actor=actor,
        context=context,
        young_person=young_person,
        reason=reason,
        known_from=known_from,
    )


@transaction.atomic
def context_link(
    *, actor: User, context: Context, young_person: YoungPerson, reason: str, known_from: date
) -> ContextLink:
    """Link the young person to a context the actor can already see (C10)."""
    _require_may_link(actor, young_person)
    if not Context.objects.visible_to(actor).filter(pk=context.pk, anonymised_at=None).exists():
        raise DomainError({"context": ["Choose a context from the list."]})
    reason, errors = _checked_link(reason, known_from)
    if errors:
        raise DomainError(errors)
    return _create_link(
        actor=actor,
        context=context,
        young_person=young_person,
        reason=reason,
        known_from=known_from,
    )


@transaction.atomic
def context_link_end(
    *, actor: User, link: ContextLink, ended_on: date, end_reason: str
) -> ContextLink:
    """End a link (it stays on the record, dated, with who ended it and why)."""
    link = ContextLink.objects.select_for_update().select_related("young_person").get(pk=link.pk)
    _require_may_link(actor, link.young_person)
    if not link.is_current:
        raise DomainError("This link has already ended.")
    errors: dict[str, list[str]] = {}
    if not end_reason.strip():
        errors["end_reason"] = ["Say why the link has ended."]
    dates.add(
        errors,
        "ended_on",
        dates.happened(
            ended_on,
            what="The date the link ended",
            not_before=link.known_from,
            not_before_what="the date it was known",
        ),
    )
    if errors:
        raise DomainError(errors)
    link.ended_on = ended_on
    link.ended_at = timezone.now()
    link.ended_by = actor
    link.end_reason = end_reason.strip()
    link.save(update_fields=["ended_on", "ended_at", "ended_by", "end_reason"])
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.CONTEXT_LINK_END,
        young_person=link.young_person,
        obj=link,
        context_id=link.context_id,
    )
    return link


def contexts_follow_transfer(young_person_id: int, authority_id: int) -> None:
    """A young person transferred to another authority takes their current links with them:
    each context they are linked to spans the new authority too (called by the transfer).

    The person transferring no longer holds the young person once the case has moved, so the
    links are found through the links' queryset class, not the scoped manager; only context
    ids are read, and only the span is written."""
    context_ids = (
        ContextLinkQuerySet(model=ContextLink)
        .filter(young_person_id=young_person_id, ended_at__isnull=True)
        .values_list("context_id", flat=True)
    )
    span = Context.authorities.through
    span._default_manager.bulk_create(
        [span(context_id=pk, authority_id=authority_id) for pk in context_ids],
        ignore_conflicts=True,
    )


def contexts_anonymise_links(*, actor: User, young_person: YoungPerson) -> tuple[int, int]:
    """For retention (X6), inside its transaction: end the young person's links and remove
    what was written about them; then anonymise every context left with no link to a young
    person whose record is kept. Returns (links changed, contexts anonymised)."""
    now = timezone.now()
    today = timezone.localdate()
    links = ContextLink.objects.filter(young_person=young_person)
    context_ids = set(links.values_list("context_id", flat=True))
    changed = 0
    for link in links:
        link.reason = REMOVED
        if link.is_current:
            link.ended_on = max(today, link.known_from)
            link.ended_at = now
            link.ended_by = actor
        if link.end_reason:
            link.end_reason = REMOVED
        link.save(update_fields=["reason", "ended_on", "ended_at", "ended_by", "end_reason"])
        changed += 1
    # A link to anyone else whose record is kept, current or ended, keeps the context: their
    # record still tells of it.
    # Those young people may be held elsewhere, out of the actor's sight: the links' queryset
    # class answers whether any exists, and nothing of them is read.
    kept = (
        ContextLinkQuerySet(model=ContextLink)
        .filter(context=OuterRef("pk"), young_person__anonymised_at__isnull=True)
        .exclude(young_person=young_person)
    )
    emptied = Context.objects.filter(pk__in=context_ids, anonymised_at=None).exclude(Exists(kept))
    anonymised = 0
    for context in emptied:
        context.name = ANONYMISED_NAME
        context.description = ""
        context.anonymised_at = now
        context.save(update_fields=["name", "description", "anonymised_at"])
        audit.record(
            actor=actor,
            action=AuditAction.CONTEXT_ANONYMISE,
            obj=context,
            young_person_id=young_person.pk,
            authority_id=young_person.authority_id,
        )
        anonymised += 1
    return changed, anonymised
