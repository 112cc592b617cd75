"""Reads for session pages. Each starts from the visibility rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cases.models import Episode
from cases.selectors import current_episode_for_user
from outcomes.models import Goal, GoalStatus
from sessions.models import Attendance, SessionLog
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_DURATION = 60


@dataclass(frozen=True)
class SessionFormContext:
    episode: Episode
    goals: list[Goal]
    usual_place: str
    usual_duration: int


def session_form_context(
    user: User, young_person_pk: int, *, usual: bool = True
) -> SessionFormContext:
    """The case and its live goals; with `usual`, the place and length to suggest (a blank
    form only: a submitted one already says them)."""
    episode = current_episode_for_user(user, young_person_pk)
    goals = list(Goal.objects.visible_to(user).filter(episode=episode, status=GoalStatus.LIVE))
    # "The usual place and duration": what this case's last attended session had.
    last = (
        SessionLog.objects.visible_to(user)
        .filter(episode=episode, attendance=Attendance.ATTENDED)
        .order_by("-occurred_at")
        .values("place", "duration_minutes")
        .first()
        if usual
        else None
    )
    return SessionFormContext(
        episode=episode,
        goals=goals,
        usual_place=(last or {}).get("place") or "",
        usual_duration=(last or {}).get("duration_minutes") or DEFAULT_DURATION,
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
