"""Reading break-glass grants: the banner on the pages they open, the requester's own, and the
owning authority's list to review (docs/access.md, X9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.utils import timezone

from accounts import access
from cases.break_glass.models import BreakGlassGrant
from cases.models import YoungPerson
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User

#: Uses a page of the borough lead's review list shows.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Banner:
    ends_at: datetime

    @property
    def ends_on_another_day(self) -> bool:
        return timezone.localdate(self.ends_at) != timezone.localdate()


def banner_for(user: User) -> Banner | None:
    """The break-glass banner for the page being drawn: when the page shows a young person the
    person reads by a live grant, until when. No query unless the person may break glass and
    the page shows a record."""
    if not access.may_break_glass(user):
        return None
    shown = audit.young_people_shown()
    if not shown:
        return None
    grant = (
        BreakGlassGrant.objects.filter(user=user, young_person_id__in=shown)
        .live()
        .order_by("ends_at")
        .first()
    )
    return Banner(ends_at=grant.ends_at) if grant is not None else None


@dataclass(frozen=True)
class Use:
    grant: BreakGlassGrant
    #: The young person's reference while the reader holds them (or has a live grant); else "".
    reference: str
    live: bool


def _uses(user: User, grants: list[BreakGlassGrant]) -> list[Use]:
    ids = {g.young_person_id for g in grants}
    references = dict(
        YoungPerson.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "reference")
    )
    now = timezone.now()
    return [Use(g, references.get(g.young_person_id, ""), g.is_live(now)) for g in grants]


def own_live_grants(user: User) -> list[Use]:
    """The person's grants still in force, soonest to end first."""
    grants = list(BreakGlassGrant.objects.filter(user=user).live().order_by("ends_at"))
    return _uses(user, grants)


@dataclass(frozen=True)
class Uses:
    page: Page[BreakGlassGrant]
    rows: list[Use]


def uses_to_review(user: User, page_number: str | None) -> Uses:
    """Break-glass uses of records held by the authorities the user leads: those not yet
    reviewed first (PostgreSQL puts no date first in a descending order), then the newest."""
    grants = (
        BreakGlassGrant.objects.filter(authority_id__in=access.led_authority_ids(user))
        .select_related("user", "reviewed_by")
        .order_by("-reviewed_at", "-starts_at", "-pk")
    )
    page = Paginator(grants, PAGE_SIZE).get_page(page_number)
    return Uses(page, _uses(user, list(page.object_list)))


def grant_for_reviewer(user: User, pk: int) -> BreakGlassGrant:
    """A grant in an authority the user leads, or 404 as if there were none."""
    return get_or_404(
        BreakGlassGrant.objects.filter(authority_id__in=access.led_authority_ids(user)), pk=pk
    )
