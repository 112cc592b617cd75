"""Reads of case data. Each starts from the visibility rule and fetches what the page renders.

Selectors return evaluated objects (lists, instances), so templates never trigger queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts import access
from accounts.models import Authority
from cases.models import (
    OPEN_STATUSES,
    BudgetSpend,
    ClosureDecision,
    ClosureRequest,
    Episode,
    EpisodeStatus,
    RiskFlag,
    YoungPerson,
)
from yourchoice import audit
from yourchoice.data.selectors import get_or_404
from yourchoice.scoping import all_cases

if TYPE_CHECKING:
    from accounts.models import User


def authorities_of_young_people(young_person_ids: list[int]) -> dict[int, int]:
    """The authority holding each young person's record now, for audit events (one query)."""
    return dict(
        YoungPerson.objects.filter(pk__in=young_person_ids).values_list("pk", "authority_id")
    )


def get_episode_for_user(user: User, pk: int) -> Episode:
    """The episode, if the user may reach it; otherwise 404, exactly as if it did not exist."""
    episode = get_or_404(
        Episode.objects.visible_to(user).select_related(
            "young_person", "authority", "team", "coach"
        ),
        pk=pk,
    )
    audit.note_young_person_read(episode.young_person, episode)
    return episode


def get_closure_request_for_user(user: User, pk: int) -> ClosureRequest:
    closure = get_or_404(
        ClosureRequest.objects.visible_to(user).select_related(
            "episode__young_person", "requested_by", "decided_by"
        ),
        pk=pk,
    )
    audit.note_young_person_read(closure.episode.young_person, closure)
    return closure


def get_flag_for_user(user: User, pk: int) -> RiskFlag:
    flag = get_or_404(
        RiskFlag.objects.visible_to(user).select_related("episode__young_person"),
        pk=pk,
    )
    audit.note_young_person_read(flag.episode.young_person, flag)
    return flag


@dataclass(frozen=True)
class LedgerLine:
    spend: BudgetSpend
    balance_pence: int


@dataclass(frozen=True)
class BudgetLedger:
    episode: Episode
    lines: list[LedgerLine]
    balance_pence: int


def budget_ledger(user: User, young_person_pk: int) -> BudgetLedger:
    """Spending in date order with the running balance after each line (C8)."""
    episodes = list(
        Episode.objects.visible_to(user)
        .filter(young_person_id=young_person_pk)
        .select_related("young_person")
        .order_by("-is_current", "-referred_on", "-pk")
    )
    if not episodes:
        raise Http404
    episode = episodes[0]  # the current one: the open case, otherwise the latest
    audit.note_young_person_read(episode.young_person, episode)
    balance = episode.activity_budget_pence
    lines = []
    for spend in (
        BudgetSpend.objects.visible_to(user)
        .filter(episode=episode)
        .select_related("approved_by", "recorded_by")
    ):
        balance -= spend.amount_pence
        lines.append(LedgerLine(spend, balance))
    return BudgetLedger(episode=episode, lines=lines, balance_pence=balance)


def flag_for_system(flag_id: int) -> RiskFlag:
    """A flag for a background job acting for the service, not for a person (notifications)."""
    return RiskFlag.objects.select_related("episode__young_person", "episode__team").get(pk=flag_id)


def latest_episode_for_user(user: User, young_person_pk: int, **only: object) -> Episode:
    """The young person's current case (the open one, otherwise the most recent: an end measure
    can follow closure), narrowed by `only`; 404 for anyone out of reach."""
    episode = get_or_404(
        Episode.objects.visible_to(user).select_related("young_person", "team", "coach"),
        young_person_id=young_person_pk,
        is_current=True,
        **only,
    )
    audit.note_young_person_read(episode.young_person, episode)
    return episode


def current_episode_for_user(user: User, young_person_pk: int) -> Episode:
    """The young person's open case, if the user reaches it; 404 otherwise."""
    return latest_episode_for_user(user, young_person_pk, status__in=OPEN_STATUSES)


def returned_closures_for_coach(user: User) -> list[ClosureRequest]:
    """Requests to close one of the coach's cases that a supervisor returned, with the comment,
    until the coach acts on them: a newer request, or the case closed (V4). One query."""
    scope = access.caseload_scope(user)
    if scope is None:
        return []
    newer = ClosureRequest.objects.filter(
        episode=OuterRef("episode"), requested_at__gt=OuterRef("requested_at")
    )
    return list(
        ClosureRequest.objects.visible_to(user)
        .filter(
            decision=ClosureDecision.RETURNED,
            episode__in=Episode.objects.visible_to(user).filter(scope).open().values("pk"),
        )
        .exclude(Exists(newer))
        .select_related("episode__young_person", "decided_by")
        .order_by("-decided_at", "-pk")
    )


def cases_for_authority(user: User) -> QuerySet[Episode]:
    """Every open case in the borough lead's authorities, as a queryset: the list is paged
    (caseload.lists.page_of_cases), so only one page's rows are ever built."""
    scope = access.authority_scope(user)
    if scope is None:
        return Episode.objects.none()
    return Episode.objects.visible_to(user).filter(scope).open()


def open_cases_with(user: User, coach: User) -> list[Episode]:
    """The open cases allocated to `coach` in the authorities the borough lead leads: a leaver's
    (or someone who stopped coaching in a team), for the lead to reallocate (X8)."""
    scope = access.authority_scope(user)
    if scope is None:
        return []
    return list(
        Episode.objects.visible_to(user)
        .filter(scope, coach=coach)
        .open()
        .select_related("young_person", "team")
        .order_by("team__name", "young_person__family_name", "pk")
    )


@dataclass(frozen=True)
class AuthorityCount:
    authority: Authority
    referrals: int
    open_cases: int
    active_cases: int


def counts_by_authority() -> list[AuthorityCount]:
    """Aggregates for the programme lead: counts per authority, never a named young person."""
    with all_cases("counts per authority for the programme lead, naming no young person"):
        counts: dict[int, dict[str, int]] = {
            row["authority_id"]: row
            for row in Episode.objects.values("authority_id").annotate(
                referrals=Count("pk"),
                open_cases=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                active_cases=Count("pk", filter=Q(status=EpisodeStatus.ACTIVE)),
            )
        }
    return [
        AuthorityCount(
            authority=authority,
            referrals=counts.get(authority.pk, {}).get("referrals", 0),
            open_cases=counts.get(authority.pk, {}).get("open_cases", 0),
            active_cases=counts.get(authority.pk, {}).get("active_cases", 0),
        )
        for authority in Authority.objects.filter(active=True)
    ]
