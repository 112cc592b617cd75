"""Reads of case data. Each starts from the visibility rule and fetches what the page renders.

Selectors return evaluated objects (lists, instances), so templates never trigger queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, F, Func, JSONField, OuterRef, Q, Value, Window
from django.db.models.functions import JSONObject, Lower, RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.models import Authority
from cases.models import (
    OPEN_STATUSES,
    Allocation,
    AllocationKind,
    BudgetSpend,
    ClosureDecision,
    ClosureRequest,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    FlagLevel,
    FlagReview,
    KeyContact,
    RiskFlag,
    YoungPerson,
)
from outcomes import collection
from outcomes.models import (
    Goal,
    GoalRating,
    GoalStatus,
    MeasureDefinition,
    MeasureResponse,
    Occasion,
)
from outcomes.progress import ChartGeometry, GoalProgress, Point, case_trend, chart
from outcomes.scoring import sdq
from outcomes.selectors import sdq_definition
from sessions import dose
from sessions.models import Attendance, SessionLog
from supervision.models import Action, CaseDiscussion
from yourchoice import access, audit
from yourchoice.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User


def authorities_of_young_people(young_person_ids: list[int]) -> dict[int, int]:
    """The authority holding each young person's record now, for audit events (one query)."""
    return dict(
        YoungPerson.objects.unscoped()
        .filter(pk__in=young_person_ids)
        .values_list("pk", "authority_id")
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


@dataclass(frozen=True)
class ClosureDecisionPage:
    """A closure request with what the supervisor should know before deciding (V4, O3)."""

    closure: ClosureRequest
    end_measure_missing: bool
    open_flags: int


def closure_decision_page(user: User, pk: int) -> ClosureDecisionPage:
    """The request, and the case as the caseload sees it: whether the end SDQ is still to be
    recorded, and how many flags are open (the same definitions as every list of cases)."""
    closure = get_closure_request_for_user(user, pk)
    (row,) = case_rows(
        Episode.objects.visible_to(user).filter(pk=closure.episode_id), timezone.localdate()
    )
    return ClosureDecisionPage(
        closure=closure,
        end_measure_missing=any(
            o.occasion == Occasion.END and o.state != collection.State.DONE for o in row.occasions
        ),
        open_flags=row.open_flags,
    )


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
    return (
        RiskFlag.objects.unscoped()
        .select_related("episode__young_person", "episode__team")
        .get(pk=flag_id)
    )


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
        """Why this case needs attention, if it does (one definition: cases/attention.py)."""
        from cases import attention

        return attention.reasons(self, timezone.localdate())

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
        GoalRating.objects.unscoped()
        .filter(goal__episode_id__in=episode_ids, goal__status=GoalStatus.LIVE)
        .annotate(newest=newest, oldest=oldest)
        .filter(Q(newest__lte=3) | Q(oldest=1))
        .order_by("rated_on", "pk")
        .values_list("goal__episode_id", "goal_id", "rated_on", "score")
    )
    found: dict[int, dict[int, list[Point]]] = {}
    for episode_id, goal_id, rated_on, score in rows:
        found.setdefault(episode_id, {}).setdefault(goal_id, []).append(Point(rated_on, score))
    return found


def annotated_cases(episodes, today: date):  # type: ignore[no-untyped-def]
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


def case_rows(episodes, today: date) -> list[CaseRow]:  # type: ignore[no-untyped-def]
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
    for episode_id, occasion in (
        MeasureResponse.objects.unscoped()
        .filter(episode_id__in=ids, definition=definition)
        .values_list("episode_id", "occasion")
    ):
        recorded.setdefault(episode_id, set()).add(occasion)
    pending: dict[int, list[datetime]] = {}
    for episode_id, requested_at in (
        ClosureRequest.objects.unscoped()
        .filter(episode_id__in=ids, decision=ClosureDecision.PENDING)
        .values_list("episode_id", "requested_at")
    ):
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
    occasions = tuple(_sdq_occasions(e, recorded, pending, today, definition))
    return CaseRow(
        episode=e,
        last_contact=e.last_contact_at,  # type: ignore[attr-defined]
        sessions_this_week=e.this_week,  # type: ignore[attr-defined]
        sessions_attended=e.attended,  # type: ignore[attr-defined]
        open_flags=e.open_flag_count,  # type: ignore[attr-defined]
        weeks_active=dose.weeks_active(e.started_on, e.closed_on, today),
        goal_trend=case_trend(goals),
        measures_due=tuple(
            f"{o.label} {o.state_label.lower()}" for o in occasions if o.needs_doing
        ),
        attended_last_3_weeks=e.last_3_weeks,  # type: ignore[attr-defined]
        goals=goals,
        occasions=occasions,
        flags_past_review=e.flags_past_review_count,  # type: ignore[attr-defined]
        pending_closure=bool(pending),
        actions_overdue=e.actions_overdue_count,  # type: ignore[attr-defined]
    )


def caseload_for_coach(user: User) -> list[CaseRow]:
    """The coach's own open cases and those they cover, with dose and flags."""
    scope = access.caseload_scope(user)
    if scope is None:
        return []
    episodes = Episode.objects.visible_to(user).filter(scope).open()
    return case_rows(episodes, timezone.localdate())


def returned_closures_for_coach(user: User) -> list[ClosureRequest]:
    """Requests to close one of the coach's cases that a supervisor returned, with the comment,
    until the coach acts on them: a newer request, or the case closed (V4). One query."""
    scope = access.caseload_scope(user)
    if scope is None:
        return []
    newer = ClosureRequest.objects.unscoped().filter(
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


def cases_for_authority(user: User):  # type: ignore[no-untyped-def]
    """Every open case in the borough lead's authorities, as a queryset: the list is paged
    (cases.caseload.page_of_cases), so only one page's rows are ever built."""
    scope = access.authority_scope(user)
    if scope is None:
        return Episode.objects.none()
    return Episode.objects.visible_to(user).filter(scope).open()


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
            team=m.team.name,
            open_cases=open_counts.get(m.user_id, 0),
            sessions_last_4_weeks=session_counts.get(m.user_id, 0),
        )
        for m in memberships
    ]


@dataclass(frozen=True)
class AuthorityCount:
    authority: Authority
    referrals: int
    open_cases: int
    active_cases: int


def counts_by_authority() -> list[AuthorityCount]:
    """Aggregates for the programme lead: counts per authority, never a named young person."""
    counts = {
        row["authority_id"]: row
        for row in Episode.objects.unscoped()
        .values("authority_id")
        .annotate(
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


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class ScaleScore:
    label: str
    score: int | None
    band: str | None


@dataclass(frozen=True)
class MeasureView:
    response: MeasureResponse
    scales: list[ScaleScore]


def _measure_view(response: MeasureResponse) -> MeasureView:
    scores = response.scores
    order = ["total_difficulties", "emotional", "conduct", "hyperactivity", "peer", "prosocial"]
    return MeasureView(
        response=response,
        scales=[
            ScaleScore(
                sdq.SCALE_LABELS[name], scores.get(name), sdq.band_label(name, scores.get(name))
            )
            for name in order
        ],
    )


@dataclass(frozen=True)
class GoalView:
    goal: Goal
    progress: GoalProgress
    chart: ChartGeometry


@dataclass(frozen=True)
class EarlierCase:
    """An episode before the current one, as the young person's page shows it (C3, C7)."""

    episode: Episode
    sessions: list[SessionLog]
    goals: list[GoalView]

    @property
    def sessions_attended(self) -> int:
        return sum(1 for s in self.sessions if s.attendance == Attendance.ATTENDED)


@dataclass
class YoungPersonPage:
    young_person: YoungPerson
    key_contacts: list[KeyContact]
    episode: Episode | None
    episodes: list[Episode]
    earlier: list[EarlierCase]
    sessions: list[SessionLog]
    goals: list[GoalView]
    measures: list[MeasureView]
    measure_occasions: list[collection.Occasion]
    flags: list[RiskFlag]
    actions: list[Action]
    closure_requests: list[ClosureRequest]
    timeline: list[TimelineEntry]
    sessions_attended: int
    weeks_active: int

    @property
    def sessions_per_week(self) -> float | None:
        return dose.sessions_per_week(self.sessions_attended, self.weeks_active)

    @property
    def pending_closure(self) -> ClosureRequest | None:
        return next(
            (c for c in self.closure_requests if c.decision == ClosureDecision.PENDING), None
        )

    @property
    def latest_closure(self) -> ClosureRequest | None:
        """The most recent request, so the coach sees a decision (V4)."""
        return self.closure_requests[0] if self.closure_requests else None


def _as_json(queryset, **fields):  # type: ignore[no-untyped-def]
    """The rows of `queryset` as one JSON array column, for an ArraySubquery annotation."""
    return queryset.values(json=JSONObject(**fields))


def young_person_page(user: User, pk: int) -> YoungPersonPage:
    """Everything on a young person's page, every episode of it with the current one first, in
    a fixed number of queries (C3, C4, C7)."""
    # A young person is visible with their current episode; the episodes bring them along, each
    # with who held it and where, in order (reallocations and transfers are on the timeline).
    allocations = Allocation.objects.visible_to(user).filter(episode=OuterRef("pk"))
    episodes = list(
        Episode.objects.visible_to(user)
        .filter(young_person_id=pk)
        .select_related("young_person", "team", "coach", "authority", "referral")
        .annotate(
            history=ArraySubquery(
                _as_json(
                    allocations.order_by("starts_at", "pk"),
                    kind=F("kind"),
                    starts_at=F("starts_at"),
                    coach=F("coach__full_name"),
                    authority=F("authority__name"),
                )
            )
        )
        .order_by("-is_current", "-referred_on", "-pk")
    )
    if not episodes:
        raise Http404
    young_person = episodes[0].young_person
    episode = episodes[0]  # the current one (ordered first)
    in_record = Q(episode__young_person_id=pk)
    audit.note_young_person_read(young_person, episode)
    # The timeline needs only the session itself; techniques and addenda are on its own page.
    all_sessions = list(
        SessionLog.objects.visible_to(user).filter(in_record).order_by("-occurred_at", "-pk")
    )
    # Each goal with its ratings as [date, score] pairs, in the order given: one query.
    all_goals = list(
        Goal.objects.visible_to(user)
        .filter(in_record)
        .annotate(
            rating_points=JSONBAgg(
                Func(
                    F("ratings__rated_on"),
                    F("ratings__score"),
                    function="jsonb_build_array",
                    output_field=JSONField(),
                ),
                filter=Q(ratings__isnull=False),
                order_by=(F("ratings__rated_on"), F("ratings__pk")),
                default=Value([], output_field=JSONField()),
            )
        )
        .order_by("status", "slot", "pk")
    )
    all_measures = list(
        MeasureResponse.objects.visible_to(user).filter(in_record).select_related("definition")
    )
    # Each flag with its reviews, so the timeline shows it as raised and every change since.
    reviews = FlagReview.objects.visible_to(user).filter(flag=OuterRef("pk"))
    all_flags = list(
        RiskFlag.objects.visible_to(user)
        .filter(in_record)
        .select_related("raised_by")
        .annotate(
            review_history=ArraySubquery(
                _as_json(
                    reviews.order_by("reviewed_at", "pk"),
                    at=F("reviewed_at"),
                    before=F("level_before"),
                    after=F("level_after"),
                    review_on=F("review_on_after"),
                )
            )
        )
    )
    actions = list(
        Action.objects.visible_to(user).filter(episode=episode).select_related("owner", "record")
    )
    closure_requests = list(
        ClosureRequest.objects.visible_to(user)
        .filter(episode=episode)
        .select_related("requested_by", "decided_by")
    )
    status_changes = list(EpisodeStatusChange.objects.visible_to(user).filter(in_record))
    discussions = list(
        CaseDiscussion.objects.visible_to(user).filter(in_record).select_related("record")
    )
    today = timezone.localdate()
    definition = sdq_definition()
    sessions = [s for s in all_sessions if s.episode_id == episode.pk]
    measures = [m for m in all_measures if m.episode_id == episode.pk]
    goal_views = [_goal_view(g) for g in all_goals]
    attended = sum(1 for s in sessions if s.attendance == Attendance.ATTENDED)
    return YoungPersonPage(
        young_person=young_person,
        key_contacts=list(KeyContact.objects.visible_to(user).filter(young_person=young_person)),
        episode=episode,
        episodes=episodes,
        earlier=[
            EarlierCase(
                episode=e,
                sessions=[s for s in all_sessions if s.episode_id == e.pk],
                goals=[v for v in goal_views if v.goal.episode_id == e.pk],
            )
            for e in episodes[1:]
        ],
        sessions=sessions,
        goals=[v for v in goal_views if v.goal.episode_id == episode.pk],
        measures=[_measure_view(m) for m in measures],
        measure_occasions=_sdq_occasions(
            episode,
            {m.occasion for m in measures if m.definition_id == definition.pk},
            [c.requested_at for c in closure_requests if c.decision == ClosureDecision.PENDING],
            today,
            definition,
        ),
        flags=[f for f in all_flags if f.episode_id == episode.pk],
        actions=actions,
        closure_requests=closure_requests,
        timeline=_timeline(
            all_sessions, all_goals, all_measures, all_flags, status_changes, discussions, episodes
        ),
        sessions_attended=attended,
        weeks_active=dose.weeks_active(episode.started_on, episode.closed_on, today),
    )


def _sdq_occasions(
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


def _goal_view(goal: Goal) -> GoalView:
    points = tuple(
        Point(date.fromisoformat(day), score)
        for day, score in goal.rating_points  # type: ignore[attr-defined]
    )
    goal_progress = GoalProgress(points)
    return GoalView(goal=goal, progress=goal_progress, chart=chart(goal_progress))


def _at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


def _moment(value: str) -> datetime:
    """A timestamp as PostgreSQL writes it in JSON."""
    return datetime.fromisoformat(value)


def _timeline(
    sessions, goals, measures, flags, status_changes, discussions, episodes
) -> list[TimelineEntry]:  # type: ignore[no-untyped-def]
    """One story of the record, every episode of it, newest first (C7). Built from rows already
    fetched. Flags read as raised, then each review and the resolution; who held the case and
    where comes from its allocations."""
    entries = [
        TimelineEntry(
            s.occurred_at,
            "session",
            f"Session: {s.get_attendance_display().lower()}",
            f"{s.duration_minutes} minutes, {s.get_place_display().lower()}"
            if s.duration_minutes
            else "",
            url=reverse("sessions:detail", args=[s.pk]),
        )
        for s in sessions
    ]
    for goal in goals:
        entries.append(
            TimelineEntry(_at_noon(goal.agreed_on), "goal", "Goal agreed", goal.description)
        )
        if goal.ended_on:
            entries.append(
                TimelineEntry(
                    _at_noon(goal.ended_on),
                    "goal",
                    f"Goal {goal.get_status_display().lower()}",
                    goal.description,
                )
            )
    entries += [
        TimelineEntry(
            _at_noon(m.completed_on),
            "measure",
            f"{m.definition.name}: {m.get_occasion_display().lower()}",
            f"Total difficulties {m.total_score}" if m.total_score is not None else "",
        )
        for m in measures
    ]
    level = dict(FlagLevel.choices)
    for f in flags:
        history = f.review_history
        category = f.get_category_display().lower()
        raised_as = history[0]["before"] if history else f.level
        entries.append(
            TimelineEntry(f.raised_at, "flag", f"{level[raised_as]} flag raised: {category}")
        )
        for review in history:
            due = dateformat.format(date.fromisoformat(review["review_on"]), "j F Y")
            if review["before"] == review["after"]:
                detail = f"Still {level[review['after']].lower()}; next review by {due}."
            else:
                was, now = level[review["before"]].lower(), level[review["after"]].lower()
                detail = f"From {was} to {now}; next review by {due}."
            entries.append(
                TimelineEntry(_moment(review["at"]), "flag", f"Flag reviewed: {category}", detail)
            )
        if f.resolved_at:
            entries.append(
                TimelineEntry(f.resolved_at, "flag", f"Flag resolved: {category}", f.resolution)
            )
    entries += [_allocation_entry(held) for e in episodes for held in e.history]
    # An allocation says who took the case, so its status change adds nothing; nor does the
    # step back from allocated or active to referred, which only a transfer makes (the case
    # waits for allocation there).
    entries += [
        TimelineEntry(c.changed_at, "status", f"Case {c.get_to_status_display().lower()}")
        for c in status_changes
        if c.to_status != EpisodeStatus.ALLOCATED
        and not (
            c.to_status == EpisodeStatus.REFERRED
            and c.from_status in (EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE)
        )
    ]
    entries += [
        TimelineEntry(_at_noon(d.record.held_on), "supervision", "Discussed in supervision")
        for d in discussions
    ]
    return sorted(entries, key=lambda e: e.when, reverse=True)


def _allocation_entry(held: dict[str, str]) -> TimelineEntry:
    when = _moment(held["starts_at"])
    if held["kind"] == AllocationKind.TRANSFERRED:
        return TimelineEntry(
            when,
            "allocation",
            f"Case transferred to {held['authority']}",
            "Waiting there for allocation to a coach.",
        )
    verb = "Reallocated" if held["kind"] == AllocationKind.REALLOCATED else "Allocated"
    return TimelineEntry(when, "allocation", f"{verb} to {held['coach'] or 'a coach'}")
