"""The young person's page: their whole record, and its timeline (docs/programme.md C4, C7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.aggregates import ArrayAgg, JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Func, JSONField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import JSONObject
from django.http import Http404
from django.urls import reverse
from django.utils import dateformat, timezone

from cases.contexts.models import ContextLink
from cases.contexts.selectors import links_of_young_person
from cases.models import (
    Allocation,
    AllocationKind,
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
    MeasureResponse,
    Occasion,
    Rater,
    YoungPersonCheckIn,
)
from outcomes.progress import ChartGeometry, GoalProgress, Point, chart
from outcomes.scoring import sdq
from outcomes.selectors import sdq_definition
from sessions import dose
from sessions.models import Attendance, SessionLog
from supervision.models import Action, CaseDiscussion
from yourchoice import audit

if TYPE_CHECKING:
    from accounts.models import User


from caseload.rows import case_rows, sdq_occasions
from cases.programme import TARGET_SESSIONS_PER_WEEK
from cases.selectors import get_closure_request_for_user


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    title: str
    detail: str = ""
    url: str = ""
    #: Given by the young person themselves, on the coach's phone (S7), not by the coach.
    own_rating: bool = False


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
    episode: Episode
    episodes: Sequence[Episode]
    earlier: list[EarlierCase]
    sessions: list[SessionLog]
    goals: list[GoalView]
    measures: list[MeasureView]
    measure_occasions: list[collection.Occasion]
    flags: list[RiskFlag]
    context_links: list[ContextLink]
    actions: list[Action]
    closure_requests: list[ClosureRequest]
    timeline: list[TimelineEntry]
    sessions_attended: int
    weeks_active: int

    #: The programme's target, shown beside the case's dose.
    target_sessions_per_week = TARGET_SESSIONS_PER_WEEK

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


def _as_json(queryset: QuerySet[Any], **fields: Any) -> QuerySet[Any]:
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
                # The coach's ratings: goal progress counts them alone (docs/measures.md); the
                # young person's own are on the timeline, as theirs.
                filter=Q(ratings__isnull=False, ratings__rater=Rater.COACH),
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
    # The young person's own answers, each with its goal ratings in the goals' order.
    check_ins = list(
        YoungPersonCheckIn.objects.visible_to(user)
        .filter(in_record)
        .annotate(
            scores=ArrayAgg(
                "ratings__score",
                filter=Q(ratings__isnull=False),
                order_by=("ratings__goal__slot", "ratings__goal_id"),
                default=Value([]),
            )
        )
    )
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
        measure_occasions=sdq_occasions(
            episode,
            {m.occasion for m in measures if m.definition_id == definition.pk},
            [c.requested_at for c in closure_requests if c.decision == ClosureDecision.PENDING],
            today,
            definition,
        ),
        flags=[f for f in all_flags if f.episode_id == episode.pk],
        context_links=links_of_young_person(user, young_person.pk),
        actions=actions,
        closure_requests=closure_requests,
        timeline=sorted(
            _timeline(
                all_sessions,
                all_goals,
                all_measures,
                all_flags,
                status_changes,
                discussions,
                episodes,
            )
            + _check_in_entries(check_ins, young_person),
            key=lambda e: e.when,
            reverse=True,
        ),
        sessions_attended=attended,
        weeks_active=dose.weeks_active(episode.started_on, episode.closed_on, today),
    )


def _goal_view(goal: Goal) -> GoalView:
    points = tuple(
        Point(date.fromisoformat(day), score)
        for day, score in goal.rating_points  # type: ignore[attr-defined]  # annotated by young_person_page
    )
    goal_progress = GoalProgress(points)
    return GoalView(goal=goal, progress=goal_progress, chart=chart(goal_progress))


def _at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


def _moment(value: str) -> datetime:
    """A timestamp as PostgreSQL writes it in JSON."""
    return datetime.fromisoformat(value)


def _timeline(
    sessions: list[SessionLog],
    goals: list[Goal],
    measures: list[MeasureResponse],
    flags: list[RiskFlag],
    status_changes: list[EpisodeStatusChange],
    discussions: list[CaseDiscussion],
    episodes: Sequence[Episode],
) -> list[TimelineEntry]:
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
        history = f.review_history  # type: ignore[attr-defined]  # annotated by young_person_page
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
    entries += [_allocation_entry(held) for e in episodes for held in e.history]  # type: ignore[attr-defined]  # annotated by young_person_page
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


def _check_in_entries(
    check_ins: list[YoungPersonCheckIn], young_person: YoungPerson
) -> list[TimelineEntry]:
    """The young person's own answers (S7): "Riley rated: feeling 6; goals 5, 7"."""
    who = "The young person" if young_person.anonymised_at else young_person.called
    entries = []
    for c in check_ins:
        scores = c.scores  # type: ignore[attr-defined]  # annotated by young_person_page
        said = []
        if c.feeling is not None:
            said.append(f"feeling {c.feeling}")
        if scores:
            said.append(f"goal{'s' if len(scores) > 1 else ''} {', '.join(map(str, scores))}")
        entries.append(
            TimelineEntry(
                c.recorded_at,
                "check_in",
                f"{who} rated: {'; '.join(said)}",
                "Given by them, on their coach's phone.",
                own_rating=True,
            )
        )
    return entries


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
