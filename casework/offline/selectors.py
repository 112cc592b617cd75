"""What a coach's phone keeps for working without signal, and when a kept copy is out of date.

The phone keeps the least that lets a coach log a session with no connection: the caseload,
each open case's log-a-session form, and a reduced young person's page (their goals in their
own words with the last rating, the last between-session task, the titles of open flags). No
notes of past sessions, no contacts, no date of birth (docs/offline.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.templatetags.static import static
from django.urls import reverse

from accounts import access
from cases.models import SESSION_STATUSES, Episode, RiskFlag, YoungPerson
from cases.selectors import current_episode_for_user
from outcomes.models import Goal, GoalRating, GoalStatus
from sessions.models import SessionLog
from sessions.selectors import last_time

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Copy:
    """A page the phone keeps: shown at `url`, fetched from `source`, out of date when its
    `version` changes."""

    url: str
    source: str
    version: str


def _code_version() -> str:
    # A deployment that changes a page's look changes its stylesheet's hashed name.
    return f"{settings.VERSION}:{static('css/app.css')}"


def copies_for(user: User) -> list[Copy]:
    """The pages a person's phone keeps: their caseload, and for each case they can log a
    session on, its form and its reduced page. Nobody else's. Three queries, any caseload."""
    scope = access.caseload_scope(user)
    if scope is None:
        return []  # only a caseload is kept: nobody else's home page is the minimum
    code = _code_version()
    kept = [
        Copy(reverse(name), reverse(name), code)
        for name in ("home", "offline:outbox", "offline:unavailable")
    ]
    episodes = list(
        Episode.objects.visible_to(user)
        .filter(scope, status__in=SESSION_STATUSES)
        .annotate(
            last_session=Subquery(
                SessionLog.objects.filter(episode=OuterRef("pk")).order_by("-pk").values("pk")[:1]
            ),
            last_rating=Subquery(
                GoalRating.objects.filter(goal__episode=OuterRef("pk"))
                .order_by("-pk")
                .values("pk")[:1]
            ),
        )
        .values(
            "pk",
            "young_person_id",
            "status",
            "coach_id",
            "last_session",
            "last_rating",
            "young_person__version",
        )
        .order_by("pk")
    )
    ids = [e["pk"] for e in episodes]
    goals: dict[int, list[int]] = {}
    for episode_id, goal_id in Goal.objects.filter(
        episode_id__in=ids, status=GoalStatus.LIVE
    ).values_list("episode_id", "pk"):
        goals.setdefault(episode_id, []).append(goal_id)
    flags: dict[int, list[tuple[int, int]]] = {}
    for episode_id, flag_id, flag_version in RiskFlag.objects.filter(
        episode_id__in=ids, resolved_at__isnull=True
    ).values_list("episode_id", "pk", "version"):
        flags.setdefault(episode_id, []).append((flag_id, flag_version))
    for e in episodes:
        facts = repr((code, e, sorted(goals.get(e["pk"], [])), sorted(flags.get(e["pk"], []))))
        version = hashlib.sha256(facts.encode()).hexdigest()[:16]
        person = e["young_person_id"]
        page = reverse("cases:young-person", args=[person])
        kept.append(Copy(page, reverse("offline:young-person", args=[person]), version))
        form = reverse("sessions:log", args=[person])
        kept.append(Copy(form, form, version))
    return kept


@dataclass(frozen=True)
class GoalKept:
    description: str
    last_rating: int | None


@dataclass(frozen=True)
class KeptRecord:
    """The reduced young person's page a phone keeps."""

    episode: Episode
    goals: list[GoalKept]
    last_task: str
    flags: list[str]

    @property
    def young_person(self) -> YoungPerson:
        return self.episode.young_person

    @property
    def takes_sessions(self) -> bool:
        return self.episode.status in SESSION_STATUSES


def kept_record(user: User, young_person_pk: int) -> KeptRecord:
    """The least of a young person's record that helps a coach with no signal: 404 for anyone
    who may not see the record, as every page of it."""
    episode = current_episode_for_user(user, young_person_pk)
    goals = list(
        Goal.objects.filter(episode=episode, status=GoalStatus.LIVE).order_by("slot", "pk")
    )
    # Last time as the session form shows it: the coach's own last rating of each goal, and
    # the last attended session's task.
    last = last_time(user, episode, goals)
    flags = [
        f"{flag.get_level_display()}: {flag.get_category_display()}"
        for flag in RiskFlag.objects.filter(episode=episode, resolved_at__isnull=True).order_by(
            "-raised_at", "-pk"
        )
    ]
    return KeptRecord(
        episode=episode,
        goals=[GoalKept(g.description, last.goal_scores.get(g.pk)) for g in goals],
        last_task=last.between_session_task,
        flags=flags,
    )
