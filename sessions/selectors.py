"""Reads for session pages. Each starts from the visibility rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from cases.models import Episode
from cases.selectors import current_episode_for_user
from outcomes.models import Goal, GoalRating, GoalStatus, Rater
from sessions.models import Attendance, SessionLog, Technique
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_DURATION = 60


@dataclass(frozen=True)
class LastTime:
    """What the case's last attended session recorded, shown beside this one's questions."""

    place: str = ""
    duration_minutes: int | None = None
    feeling_start: int | None = None
    feeling_end: int | None = None
    between_session_task: str = ""
    #: Each live goal's latest rating, by goal id.
    goal_scores: dict[int, int] = field(default_factory=dict)


class SessionFormContext:
    """The case and its live goals; what only drawing the form needs (the techniques in the
    coach's order, last time's answers) is read when first asked for, so a save that
    succeeds never reads it."""

    def __init__(self, user: User, episode: Episode, goals: list[Goal]) -> None:
        self.user, self.episode, self.goals = user, episode, goals

    @cached_property
    def techniques(self) -> QuerySet[Technique]:
        """Active techniques, those this coach uses most first."""
        return techniques_for(self.user)

    @cached_property
    def last(self) -> LastTime:
        return last_time(self.user, self.episode, self.goals)

    @property
    def usual_place(self) -> str:
        return self.last.place

    @property
    def usual_duration(self) -> int:
        return self.last.duration_minutes or DEFAULT_DURATION


def session_form_context(user: User, young_person_pk: int) -> SessionFormContext:
    """The case, its live goals, the techniques in the coach's order, and what the last
    session recorded (the usual place and length to suggest, and last time's answers)."""
    episode = current_episode_for_user(user, young_person_pk)
    goals = list(Goal.objects.visible_to(user).filter(episode=episode, status=GoalStatus.LIVE))
    return SessionFormContext(user, episode, goals)


def goal_descriptions(goal_ids: list[int]) -> list[str]:
    """The goals' own words, for saying which changed (in the scope of whoever asks)."""
    return list(
        Goal.objects.filter(pk__in=goal_ids)
        .order_by("slot", "pk")
        .values_list("description", flat=True)
    )


def sees_case(user: User, episode_pk: int) -> bool:
    return Episode.objects.visible_to(user).filter(pk=episode_pk).exists()


def last_time(user: User, episode: Episode, goals: list[Goal]) -> LastTime:
    """What the case's last attended session recorded, and each goal's latest rating."""
    last = (
        SessionLog.objects.visible_to(user)
        .filter(episode=episode, attendance=Attendance.ATTENDED)
        .order_by("-occurred_at", "-pk")
        .values("place", "duration_minutes", "feeling_start", "feeling_end", "between_session_task")
        .first()
    )
    latest = (
        GoalRating.objects.visible_to(user)
        # The coach's own last rating: the young person's are theirs (S7), not the coach's.
        .filter(goal__in=[g.pk for g in goals], rater=Rater.COACH)
        .order_by("goal_id", "-rated_on", "-pk")
        .distinct("goal_id")
        .values_list("goal_id", "score")
    )
    return LastTime(**(last or {}), goal_scores=dict(latest) if goals else {})


def goals_to_correct(user: User, log: SessionLog) -> list[Goal]:
    """The goals a correction of `log` may rate: those live now and those it rated."""
    return list(
        Goal.objects.visible_to(user)
        .filter(episode=log.episode_id)
        .filter(Q(status=GoalStatus.LIVE) | Q(ratings__session_log=log))
        .distinct()
        .order_by("slot", "pk")
    )


#: How many of a coach's latest sessions say which techniques are "the ones she uses".
RECENT_SESSIONS = 50


def techniques_for(coach: User) -> QuerySet[Technique]:
    """Active techniques, those this coach used most in her latest sessions first (then the
    managed order), so the two or three she uses are the first on the form.

    Counted over her RECENT_SESSIONS latest sessions by the (coach, occurred_at) index, not
    over every session ever logged: the count is a few hundred rows at any scale."""
    latest = (
        SessionLog.objects.filter(coach=coach)
        .order_by("-occurred_at")
        .values("pk")[:RECENT_SESSIONS]
    )
    uses: dict[int, int] = {
        row["technique_id"]: row["n"]
        for row in SessionLog.techniques.through.objects.filter(sessionlog_id__in=latest)
        .values("technique_id")
        .annotate(n=Count("pk"))
    }
    used = Case(
        *(When(pk=pk, then=Value(n)) for pk, n in uses.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        Technique.objects.filter(active=True)
        .annotate(used=used)
        .order_by("-used", "display_order", "name")
    )


def get_session_for_user(user: User, pk: int) -> SessionLog:
    log = get_or_404(
        SessionLog.objects.visible_to(user)
        .select_related("episode__young_person", "coach")
        .prefetch_related("techniques", "addenda__author", "goal_ratings__goal"),
        pk=pk,
    )
    audit.note_young_person_read(log.episode.young_person, log)
    return log
