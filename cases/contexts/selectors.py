"""Reads of contexts (docs/contexts.md, C10): what a person sees of a context, and what they
only see counted.

A person sees a context while they see one of its links (`Context.objects.visible_to`), and
sees the links to the young people they hold. The context's other current links are counted,
never shown: those to young people in an authority the person works in, exactly; those to young
people anywhere else leave the borough, so that count goes through disclosure control (below
the threshold it reads "fewer than 10") and is never split by authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from accounts import access
from accounts.models import Authority
from cases.contexts.models import Context, ContextKind, ContextLink, ContextLinkQuerySet
from cases.models import FlagLevel, FlagReview, RiskFlag, held_young_people
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User

#: How far back the caseload review looks for new or raised flags on a context's young people.
CONCERN_DAYS = 28


def suppressed(count: int) -> bool:
    """Whether a count of young people in other authorities is hidden from someone outside
    them: 1 up to the disclosure threshold (docs/disclosure.md). Zero discloses nobody."""
    return 0 < count < settings.DISCLOSURE_THRESHOLD


def shown_elsewhere(count: int) -> str:
    """Such a count as a page shows it: "fewer than 10" when suppressed, otherwise exact."""
    return f"fewer than {settings.DISCLOSURE_THRESHOLD}" if suppressed(count) else str(count)


@dataclass(frozen=True)
class Outside:
    """The current links a person cannot see, counted."""

    #: Young people in an authority the person works in: the count stays in the borough.
    in_own_authorities: int
    #: Young people in any other authority: shown only through `elsewhere_shown`.
    _elsewhere: int

    @property
    def elsewhere_shown(self) -> str | None:
        """What a page says of them; None when there are none."""
        return shown_elsewhere(self._elsewhere) if self._elsewhere else None

    @property
    def elsewhere_exact(self) -> int | None:
        """The count, when it may be given; None when it is suppressed."""
        return None if suppressed(self._elsewhere) else self._elsewhere

    @property
    def any(self) -> bool:
        return bool(self.in_own_authorities or self._elsewhere)


def outside_links(user: User, context_ids: list[int]) -> dict[int, Outside]:
    """For each context, its current links to young people the user cannot see, counted in
    one query. Counting them means reading past the user's scope, so this is built on the
    links' queryset class and returns numbers only, never a row."""
    if not context_ids:
        return {}
    held = held_young_people(user)
    links = ContextLinkQuerySet(model=ContextLink).filter(
        context_id__in=context_ids, ended_at__isnull=True
    )
    if held is not None:
        links = links.exclude(access.EqualsAny(F("young_person_id"), held))
    own = Q(young_person__authority_id__in=access.working_authority_ids(user))
    counts = {
        row["context_id"]: Outside(row["own"], row["elsewhere"])
        for row in links.values("context_id").annotate(
            own=Count("young_person_id", distinct=True, filter=own),
            elsewhere=Count("young_person_id", distinct=True, filter=~own),
        )
    }
    return {pk: counts.get(pk, Outside(0, 0)) for pk in context_ids}


@dataclass
class ContextPage:
    context: Context
    authorities: list[Authority]
    current: list[ContextLink]
    ended: list[ContextLink]
    outside: Outside


def get_context_for_user(user: User, pk: int) -> Context:
    """The context, if the user sees one of its links; 404 otherwise."""
    return get_or_404(Context.objects.visible_to(user), pk=pk)


def context_page(user: User, pk: int) -> ContextPage:
    """A context, its span, the links the user sees (current first, then ended) and the count
    of those they do not, in a fixed number of queries whatever the number of links."""
    context = get_context_for_user(user, pk)
    links = list(
        ContextLink.objects.visible_to(user)
        .filter(context=context)
        .select_related("young_person", "linked_by", "ended_by")
        .order_by("young_person__family_name", "young_person__given_name", "-known_from", "pk")
    )
    for link in links:
        audit.note_young_person_read(link.young_person, link)
    return ContextPage(
        context=context,
        authorities=list(context.authorities.order_by("name")),
        current=[link for link in links if link.is_current],
        ended=[link for link in links if not link.is_current],
        outside=outside_links(user, [context.pk])[context.pk],
    )


def links_of_young_person(user: User, young_person_id: int) -> list[ContextLink]:
    """The young person's own links, current first, each with its context (one query)."""
    return list(
        ContextLink.objects.visible_to(user)
        .filter(young_person_id=young_person_id)
        .select_related("context", "linked_by")
        .order_by(F("ended_at").desc(nulls_first=True), "-known_from", "-pk")
    )


def linkable_contexts(
    user: User, young_person_id: int, *, with_current: bool = False
) -> list[Context]:
    """Contexts the user sees that the young person is not linked to now: those they may be
    linked to. `with_current` keeps those they are linked to, so that a form sent twice is
    answered by the service (one link), not refused as a choice no longer offered."""
    contexts = Context.objects.visible_to(user).filter(anonymised_at=None)
    if not with_current:
        linked = ContextLink.objects.filter(
            context=OuterRef("pk"), young_person_id=young_person_id, ended_at__isnull=True
        )
        contexts = contexts.exclude(Exists(linked))
    return list(contexts)


def get_link_for_user(user: User, pk: int) -> ContextLink:
    link = get_or_404(
        ContextLink.objects.visible_to(user).select_related("context", "young_person"), pk=pk
    )
    audit.note_young_person_read(link.young_person, link)
    return link


#: A review that made a flag more serious: from low, or from medium to high.
RAISED = Q(level_before=FlagLevel.LOW, level_after__in=[FlagLevel.MEDIUM, FlagLevel.HIGH]) | Q(
    level_before=FlagLevel.MEDIUM, level_after=FlagLevel.HIGH
)


@dataclass(frozen=True)
class ContextConcern:
    context_id: int
    name: str
    kind: str
    young_people: int  # linked young people the reviewer sees with a new or raised flag

    @property
    def kind_label(self) -> str:
        return str(ContextKind(self.kind).label)


def contexts_of_concern(user: User, *, limit: int = 10) -> list[ContextConcern]:
    """Contexts where young people linked now had a flag raised, or made more serious, in the
    last CONCERN_DAYS days, the most such young people first (C10, on the caseload review), in
    one query. Only flags the reviewer can see are counted: a flag is part of a young person's
    record. Each context comes through a link the reviewer sees, so they see the context."""
    since = timezone.now() - timedelta(days=CONCERN_DAYS)
    new_flag = RiskFlag.objects.visible_to(user).filter(
        episode__young_person_id=OuterRef("young_person_id"), raised_at__gte=since
    )
    raised = FlagReview.objects.visible_to(user).filter(
        RAISED, flag__episode__young_person_id=OuterRef("young_person_id"), reviewed_at__gte=since
    )
    rows = (
        ContextLink.objects.visible_to(user)
        .current()
        .filter(Q(Exists(new_flag)) | Q(Exists(raised)), context__anonymised_at=None)
        .values("context_id", "context__name", "context__kind")
        .annotate(young_people=Count("young_person_id", distinct=True))
        .order_by("-young_people", "context__name", "context_id")[:limit]
    )
    return [
        ContextConcern(r["context_id"], r["context__name"], r["context__kind"], r["young_people"])
        for r in rows
    ]
