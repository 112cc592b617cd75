"""Reads for supervision: the caseload review and supervision records (docs/programme.md V1–V3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Prefetch
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import Team
from caseload import attention
from caseload.rows import CaseRow, case_rows
from cases.contexts.selectors import ContextConcern, contexts_of_concern
from cases.models import Episode
from sessions.models import Attendance, SessionLog
from supervision.models import Action, CaseDiscussion, SupervisionAttendee, SupervisionRecord
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User

#: Cases needing attention on one page of the review, most urgent first: ten cards are about
#: three screens of a phone, below the coaches, and a borough lead's review runs to hundreds.
REVIEW_PAGE_SIZE = 10

#: Every coach should be supervised at least monthly (V3): overdue after this many days.
SUPERVISION_DUE_DAYS = 31


def supervision_overdue(last: date | None, today: date) -> bool:
    return last is None or (today - last).days > SUPERVISION_DUE_DAYS


@dataclass
class CoachReview:
    coach_id: int
    name: str
    team: str
    open_cases: int
    sessions_last_4_weeks: int
    last_supervised: date | None
    supervision_overdue: bool
    needing_attention: int = 0


@dataclass
class AttentionRow:
    row: CaseRow
    reasons: list[str]


@dataclass
class Review:
    coaches: list[CoachReview]
    attention: list[AttentionRow]  # every case needing attention, most urgent first
    teams: list[Team] = field(default_factory=list)
    coach_filter: CoachReview | None = None
    #: The page of `attention` shown: a borough's list runs to hundreds of cases.
    attention_page: Page | None = None
    #: Contexts where linked young people had new or raised flags lately, most first (C10).
    contexts: list[ContextConcern] = field(default_factory=list)

    @property
    def attention_shown(self) -> list[AttentionRow]:
        return list(self.attention_page.object_list) if self.attention_page else self.attention

    @property
    def page_query(self) -> str:
        """The coach filter, for links to other pages."""
        return f"coach={self.coach_filter.coach_id}&" if self.coach_filter else ""


def review_for_user(
    user: User, *, coach_id: int | None = None, page: str | int | None = None
) -> Review:
    """The caseload review: coaches first, then the cases needing attention, most urgent first,
    one `page` of them at a time.

    A fixed number of queries whatever the number of coaches and cases: every open case's row
    is built (the counts per coach need them all), and the page is cut from them here.
    """
    team_ids = access.review_team_ids(user)
    if not team_ids:
        return Review(coaches=[], attention=[])
    today = timezone.localdate()
    memberships = list(
        access.coach_memberships(team_ids)
        .select_related("user", "team")
        .order_by("user__full_name", "team__name")
    )
    coach_ids = {m.user_id for m in memberships}
    if coach_id is not None and coach_id not in coach_ids:
        raise Http404
    sessions = dict(
        SessionLog.objects.visible_to(user)
        .filter(
            coach_id__in=coach_ids,
            attendance=Attendance.ATTENDED,
            occurred_at__gte=timezone.now() - timedelta(weeks=4),
        )
        .values("coach_id")
        .annotate(n=Count("pk"))
        .values_list("coach_id", "n")
    )
    last_supervised = dict(
        SupervisionAttendee.objects.filter(coach_id__in=coach_ids)
        .values("coach_id")
        .annotate(last=Max("record__held_on"))
        .values_list("coach_id", "last")
    )
    episodes = Episode.objects.visible_to(user).open().filter(team_id__in=team_ids)
    if coach_id is not None:
        episodes = episodes.filter(coach_id=coach_id)
    rows = case_rows(episodes, today)
    open_cases: dict[int | None, int] = {}
    flagged: dict[int | None, int] = {}
    attention_rows = []
    for row in rows:
        open_cases[row.episode.coach_id] = open_cases.get(row.episode.coach_id, 0) + 1
        reasons = attention.reasons(row, today)
        if reasons:
            flagged[row.episode.coach_id] = flagged.get(row.episode.coach_id, 0) + 1
            attention_rows.append(AttentionRow(row, reasons))
    attention_rows.sort(key=lambda a: attention.urgency(a.row, today))
    # Filtered to one coach, the table shows that coach alone: the others' counts were not
    # made (their cases are left out above), so they would read as 0 open cases.
    shown = [m for m in memberships if coach_id is None or m.user_id == coach_id]
    coaches = [
        CoachReview(
            coach_id=m.user_id,
            name=m.user.full_name,
            team=m.team.name,  # type: ignore[union-attr]  # a coach's membership names a team
            open_cases=open_cases.get(m.user_id, 0),
            sessions_last_4_weeks=sessions.get(m.user_id, 0),
            last_supervised=last_supervised.get(m.user_id),
            supervision_overdue=supervision_overdue(last_supervised.get(m.user_id), today),
            needing_attention=flagged.get(m.user_id, 0),
        )
        for m in shown
    ]
    return Review(
        coaches=coaches,
        attention=attention_rows,
        teams=list(
            {  # type: ignore[arg-type]  # memberships of supervised teams have a team
                m.team_id: m.team
                for m in memberships
                if m.team_id in access.supervised_team_ids(user)
            }.values()
        ),
        coach_filter=next((c for c in coaches if c.coach_id == coach_id), None),
        attention_page=Paginator(attention_rows, REVIEW_PAGE_SIZE).get_page(page),
        contexts=contexts_of_concern(user),
    )


def outstanding_actions_for_owner(user: User) -> list[Action]:
    """The person's own actions until they are done, for their home page (V2)."""
    return list(
        Action.objects.visible_to(user)
        .outstanding()
        .filter(owner=user)
        .select_related("episode__young_person", "record")
        .order_by("due_on", "pk")
    )


def get_action_for_user(user: User, pk: int) -> Action:
    action = get_or_404(
        Action.objects.visible_to(user).select_related("record", "episode__young_person"),
        pk=pk,
    )
    if action.episode is not None:
        audit.note_young_person_read(action.episode.young_person, action)
    return action


def supervisable_teams(user: User) -> list[Team]:
    return list(
        Team.objects.filter(pk__in=access.supervised_team_ids(user)).select_related("authority")
    )


def get_supervision_for_user(user: User, pk: int) -> SupervisionRecord:
    record = get_or_404(
        SupervisionRecord.objects.visible_to(user)
        .select_related("team", "supervisor")
        .prefetch_related(
            "attendees__coach",
            # Only the cases this person may see: a coach at group supervision does not see
            # what was said about a colleague's young people.
            Prefetch(
                "discussions",
                queryset=CaseDiscussion.objects.visible_to(user).select_related(
                    "episode__young_person"
                ),
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.visible_to(user).select_related(
                    "owner", "episode__young_person"
                ),
            ),
        ),
        pk=pk,
    )
    # The record shows what was said about each case discussed, and actions on cases.
    items: list[CaseDiscussion | Action] = [*record.discussions.all(), *record.actions.all()]
    for item in items:
        if item.episode is not None:
            audit.note_young_person_read(item.episode.young_person, record)
    return record
