"""Reading a young person's audit trail: reached through the visibility rule, then the named
permission (`audit.read`, held by borough leads) on their case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from accounts import access
from accounts.access import Perm
from accounts.models import Membership, User
from cases.models import YoungPerson
from cases.selectors import latest_episode_for_user
from yourchoice.audit.actions import READ_ACTIONS, action_label
from yourchoice.models import AuditEvent

if TYPE_CHECKING:
    from cases.models import Episode

PAGE_SIZE = 25
VIEWED = "viewed"
CHANGED = "changed"
KINDS = {"": "Everything", VIEWED: "Viewed only", CHANGED: "Changed only"}


@dataclass(frozen=True)
class TrailEntry:
    at: datetime
    label: str
    changed: bool
    who: str
    roles: str


@dataclass(frozen=True)
class AuditTrail:
    young_person: YoungPerson
    episode: Episode
    kind: str
    page: Page
    entries: list[TrailEntry]


def _role_label(membership: Membership) -> str:
    place = membership.team or membership.authority
    role = membership.get_role_display()
    return f"{role}, {place.name}" if place is not None else role


def _who(actor_id: int | None, person: User | None) -> str:
    if person is not None:
        return person.full_name
    return "The service" if actor_id is None else f"Account {actor_id} (since removed)"


def _people(actor_ids: set[int]) -> dict[int, User]:
    return {
        u.pk: u
        for u in User.objects.filter(pk__in=actor_ids).prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("team", "authority"))
        )
    }


def young_person_trail(
    user: User, young_person_pk: int, *, kind: str = "", page_number: int | str | None = 1
) -> AuditTrail:
    """Newest first, a page at a time, in the same number of queries however long the page."""
    episode = latest_episode_for_user(user, young_person_pk)  # 404 for anyone out of reach
    access.require_on(user, Perm.AUDIT_READ, episode)
    young_person = episode.young_person
    # Only what happened while the record was in the reader's authority: after a transfer the
    # sending borough still reaches the young person through an earlier case, but not what the
    # receiving borough's staff did since (events carry the authority the record was in).
    events = AuditEvent.objects.filter(
        young_person_id=young_person.pk,
        authority_id__in=access.led_authority_ids(user),
    ).order_by("-at", "-pk")
    if kind == VIEWED:
        events = events.filter(action__in=READ_ACTIONS)
    elif kind == CHANGED:
        events = events.exclude(action__in=READ_ACTIONS)
    else:
        kind = ""
    page = Paginator(events, PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    people = _people({e.actor_id for e in rows if e.actor_id is not None})
    entries = []
    for event in rows:
        person = people.get(event.actor_id) if event.actor_id is not None else None
        entries.append(
            TrailEntry(
                at=event.at,
                label=action_label(event.action),
                changed=event.action not in READ_ACTIONS,
                who=_who(event.actor_id, person),
                roles="; ".join(_role_label(m) for m in person.memberships.all()) if person else "",
            )
        )
    return AuditTrail(young_person, episode, kind, page, entries)
