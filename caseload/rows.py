"""A row of a list of cases, built for any number of cases in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Lower, RowNumber
from django.utils import timezone

from caseload import attention
from cases.models import (
    SESSION_STATUSES,
    ClosureDecision,
    ClosureRequest,
    Episode,
    EpisodeStatus,
    YoungPerson,
)
from cases.programme import TARGET_SESSIONS_PER_WEEK
from outcomes import collection
from outcomes.models import (
    GoalRating,
    GoalStatus,
    MeasureDefinition,
    MeasureResponse,
    Rater,
)
from outcomes.progress import GoalProgress, Point, case_trend
from outcomes.selectors import sdq_definition
from sessions import dose

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Tag:
    """A GOV.UK tag: its words and its colour (`govuk-tag--<colour>`)."""

    text: str
    colour: str


@dataclass(frozen=True)
class CaseRow:
    """One line of a caseload or authority list."""

    episode: Episode
    last_contact: datetime | None
    sessions_this_week: int
    sessions_attended: int
    open_flags: int
    weeks_active: int
    goal_trend: str = ""
    measures_due: tuple[str, ...] = ()
    attended_last_3_weeks: int = 0
    goals: tuple[GoalProgress, ...] = ()
    occasions: tuple[collection.Occasion, ...] = ()
    flags_past_review: int = 0
    pending_closure: bool = False
    actions_overdue: int = 0

    @cached_property
    def attention(self) -> list[str]:
        """Why this case needs attention, if it does (one definition: caseload/attention.py)."""
        return attention.reasons(self, timezone.localdate())

    @property
    def attention_tags(self) -> list[Tag]:
        """The reasons as tags, in the colour caseload/attention.py gives each."""
        return [Tag(reason, attention.colour(reason)) for reason in self.attention]

    @property
    def sessions_against_target(self) -> str:
        """This week's attended sessions against the programme's target: "1 of 3"."""
        return f"{self.sessions_this_week} of {TARGET_SESSIONS_PER_WEEK}"

    @property
    def below_target(self) -> bool:
        return self.sessions_this_week < TARGET_SESSIONS_PER_WEEK

    @property
    def goal_trend_text(self) -> str:
        return self.goal_trend or "Not enough ratings"

    @property
    def measures_due_text(self) -> str:
        """The measures due on one line, for a card; the table lists them one a line."""
        return ", ".join(self.measures_due) or "Up to date"

    @property
    def takes_sessions(self) -> bool:
        """Whether a session can be logged on the case now (as sessions/services.py allows)."""
        return self.episode.status in SESSION_STATUSES

    @property
    def young_person(self) -> YoungPerson:
        return self.episode.young_person

    @property
    def no_contact(self) -> bool:
        last = timezone.localdate(self.last_contact) if self.last_contact else None
        return self.episode.is_open and dose.no_contact(
            last, self.episode.allocated_on, timezone.localdate()
        )

    @property
    def sessions_per_week(self) -> float | None:
        return dose.sessions_per_week(self.sessions_attended, self.weeks_active)


def _recent_ratings(episode_ids: list[int]) -> dict[int, dict[int, list[Point]]]:
    """Each live goal's first rating and its last three, by episode and goal: all a list row
    needs for change, trend and "stuck or falling". A goal rated at every session has dozens of
    ratings; fetching them all made a caseload's cost grow with the length of the work."""
    newest = Window(
        RowNumber(), partition_by=[F("goal_id")], order_by=[F("rated_on").desc(), F("pk").desc()]
    )
    oldest = Window(RowNumber(), partition_by=[F("goal_id")], order_by=[F("rated_on"), F("pk")])
    rows = (
        # The coach's ratings: stuck and falling are read from them alone (docs/measures.md).
        GoalRating.objects.filter(
            goal__episode_id__in=episode_ids, goal__status=GoalStatus.LIVE, rater=Rater.COACH
        )
        .annotate(newest=newest, oldest=oldest)
        .filter(Q(newest__lte=3) | Q(oldest=1))
        .order_by("rated_on", "pk")
        .values_list("goal__episode_id", "goal_id", "rated_on", "score")
    )
    found: dict[int, dict[int, list[Point]]] = {}
    for episode_id, goal_id, rated_on, score in rows:
        found.setdefault(episode_id, {}).setdefault(goal_id, []).append(Point(rated_on, score))
    return found


def annotated_cases(episodes: QuerySet[Episode], today: date) -> QuerySet[Episode]:
    """`episodes` with what every list row shows and sorts by, computed in the database."""
    monday = dose.week_start(today)
    return episodes.select_related("young_person", "coach", "team").annotate(
        last_contact_at=dose.last_contact(),
        this_week=dose.sessions_attended_between(monday, monday + timedelta(days=6)),
        last_3_weeks=dose.sessions_attended_between(today - timedelta(days=20), today),
        attended=dose.sessions_attended_total(),
        open_flag_count=Count("flags", filter=Q(flags__resolved_at__isnull=True), distinct=True),
        flags_past_review_count=Count(
            "flags",
            filter=Q(flags__resolved_at__isnull=True, flags__review_on__lt=today),
            distinct=True,
        ),
        actions_overdue_count=Count(
            "actions",
            filter=Q(actions__done_at__isnull=True, actions__due_on__lt=today),
            distinct=True,
        ),
    )


#: The order of a plain list of cases: by young person.
BY_NAME = (Lower("young_person__family_name"), Lower("young_person__given_name"), "pk")


def case_rows(episodes: QuerySet[Episode], today: date) -> list[CaseRow]:
    """Rows for a list of cases, by young person, in a fixed number of queries however many
    there are."""
    return rows_for(list(annotated_cases(episodes, today).order_by(*BY_NAME)), today)


def rows_for(found: list[Episode], today: date) -> list[CaseRow]:
    """Rows for episodes from `annotated_cases`, in their order.

    A row's goals, measures and pending closure come as plain values in one query each and are
    grouped here: per-row related managers (prefetch_related) cost more in Python than the
    queries themselves once a list has fifty rows.
    """
    definition = sdq_definition()
    ids = [e.pk for e in found]
    ratings = _recent_ratings(ids)
    recorded: dict[int, set[str]] = {}
    for episode_id, occasion in MeasureResponse.objects.filter(
        episode_id__in=ids, definition=definition
    ).values_list("episode_id", "occasion"):
        recorded.setdefault(episode_id, set()).add(occasion)
    pending: dict[int, list[datetime]] = {}
    for episode_id, requested_at in ClosureRequest.objects.filter(
        episode_id__in=ids, decision=ClosureDecision.PENDING
    ).values_list("episode_id", "requested_at"):
        pending.setdefault(episode_id, []).append(requested_at)
    return [
        _case_row(
            e,
            today,
            definition,
            goals=tuple(GoalProgress(tuple(p)) for p in ratings.get(e.pk, {}).values()),
            recorded=recorded.get(e.pk, set()),
            pending=pending.get(e.pk, []),
        )
        for e in found
    ]


def _case_row(  # annotated episode
    e: Episode,
    today: date,
    definition: MeasureDefinition,
    *,
    goals: tuple[GoalProgress, ...],
    recorded: set[str],
    pending: list[datetime],
) -> CaseRow:
    occasions = tuple(sdq_occasions(e, recorded, pending, today, definition))
    return CaseRow(
        episode=e,
        last_contact=e.last_contact_at,  # type: ignore[attr-defined]  # annotated by annotated_cases
        sessions_this_week=e.this_week,  # type: ignore[attr-defined]  # annotated by annotated_cases
        sessions_attended=e.attended,  # type: ignore[attr-defined]  # annotated by annotated_cases
        open_flags=e.open_flag_count,  # type: ignore[attr-defined]  # annotated by annotated_cases
        weeks_active=dose.weeks_active(e.started_on, e.closed_on, today),
        goal_trend=case_trend(goals),
        measures_due=tuple(
            f"{o.label} {o.state_label.lower()}" for o in occasions if o.needs_doing
        ),
        attended_last_3_weeks=e.last_3_weeks,  # type: ignore[attr-defined]  # annotated by annotated_cases
        goals=goals,
        occasions=occasions,
        flags_past_review=e.flags_past_review_count,  # type: ignore[attr-defined]  # annotated by annotated_cases
        pending_closure=bool(pending),
        actions_overdue=e.actions_overdue_count,  # type: ignore[attr-defined]  # annotated by annotated_cases
    )


def sdq_occasions(
    episode: Episode,
    recorded: set[str],
    pending: list[datetime],
    today: date,
    definition: MeasureDefinition | None = None,
) -> list[collection.Occasion]:
    """SDQ occasions due, from the occasions recorded and when closure was asked for."""
    definition = definition or sdq_definition()
    return collection.occasions(
        windows=definition.windows,
        started_on=episode.started_on,
        referred_on=episode.referred_on,
        closing_from=timezone.localdate(min(pending)) if pending else None,
        closed_on=episode.closed_on if episode.status == EpisodeStatus.CLOSED else None,
        recorded=recorded,
        today=today,
    )
