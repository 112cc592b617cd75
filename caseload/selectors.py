"""The caseloads on the home pages: a coach's own cases, and each supervised coach's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone

from accounts import access
from cases.models import (
    OPEN_STATUSES,
    Episode,
)
from sessions.models import Attendance, SessionLog

if TYPE_CHECKING:
    from accounts.models import User


from caseload.rows import CaseRow, case_rows


def caseload_for_coach(user: User) -> list[CaseRow]:
    """The coach's own open cases and those they cover, with dose and flags."""
    scope = access.caseload_scope(user)
    if scope is None:
        return []
    episodes = Episode.objects.visible_to(user).filter(scope).open()
    return case_rows(episodes, timezone.localdate())


@dataclass(frozen=True)
class CoachSummary:
    coach_id: int
    name: str
    team: str
    open_cases: int
    sessions_last_4_weeks: int


def coaches_for_supervisor(user: User) -> list[CoachSummary]:
    """Each coach the supervisor supervises, with caseload size and recent sessions."""
    team_ids = access.supervised_team_ids(user)
    if not team_ids:
        return []
    since = timezone.now() - timedelta(weeks=4)
    memberships = (
        access.coach_memberships(team_ids)
        .select_related("user", "team")
        .order_by("user__full_name")
    )
    coach_ids = [m.user_id for m in memberships]
    open_counts = dict(
        Episode.objects.visible_to(user)
        .filter(coach_id__in=coach_ids, team_id__in=team_ids, status__in=OPEN_STATUSES)
        .values("coach_id")
        .annotate(n=Count("pk"))
        .values_list("coach_id", "n")
    )
    session_counts = dict(
        SessionLog.objects.visible_to(user)
        .filter(coach_id__in=coach_ids, occurred_at__gte=since, attendance=Attendance.ATTENDED)
        .values("coach_id")
        .annotate(n=Count("pk"))
        .values_list("coach_id", "n")
    )
    return [
        CoachSummary(
            coach_id=m.user_id,
            name=m.user.full_name,
            team=m.team.name,  # type: ignore[union-attr]  # a coach's membership names a team
            open_cases=open_counts.get(m.user_id, 0),
            sessions_last_4_weeks=session_counts.get(m.user_id, 0),
        )
        for m in memberships
    ]
