"""Scale demo data: every table filled through the real constraints, the benchmark anchors the
same at every scale, and the same data for the same seed."""

from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count

from accounts.models import Membership, Role
from cases.contexts.models import Context, ContextLink
from cases.models import Episode, EpisodeStatus, YoungPerson
from cases.notifications.models import Notification
from devtools import demo_scale
from outcomes.models import Goal, GoalRating, MeasureResponse
from sessions.models import SessionLog
from supervision.models import Action, SupervisionRecord

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)


class Rollback(Exception):
    pass


def _load(seed: int) -> dict[str, Any]:
    """Seed a small programme, read what it made, and roll it back."""
    found: dict[str, Any] = {}
    try:
        with transaction.atomic():
            counts = demo_scale.seed(scale=1, seed=seed, today=TODAY, young_people=60)
            found["counts"] = counts
            found["statuses"] = set(Episode.objects.values_list("status", flat=True))
            found["fingerprint"] = list(
                SessionLog.objects.order_by("pk").values_list(
                    "occurred_at", "attendance", "episode__young_person__reference"
                )[:500]
            )
            coach = Membership.objects.get(user__email=demo_scale.ANCHOR_COACH).user
            found["coach_open"] = Episode.objects.filter(coach=coach).open().count()
            anchor = (
                Episode.objects.filter(coach=coach)
                .annotate(n=Count("session_logs", distinct=True))
                .order_by("-n")
                .first()
            )
            found["anchor_sessions"] = anchor.n
            found["anchor_goals"] = Goal.objects.filter(episode=anchor, status="live").count()
            team = Membership.objects.get(user__email=demo_scale.ANCHOR_SUPERVISOR).team
            found["team_coaches"] = Membership.objects.filter(team=team, role=Role.COACH).count()
            found["team_open"] = Episode.objects.filter(team=team).open().count()
            found["ratings"] = GoalRating.objects.count()
            found["measures"] = set(MeasureResponse.objects.values_list("occasion", flat=True))
            found["supervision"] = SupervisionRecord.objects.count()
            found["actions"] = Action.objects.count()
            bench_estate = Context.objects.get(name=demo_scale.ANCHOR_CONTEXT)
            found["anchor_context_links"] = {
                "coach": bench_estate.links.filter(linked_by=coach).count(),
                "elsewhere": bench_estate.links.exclude(
                    young_person__authority__gss_code=demo_scale.ANCHOR_AUTHORITY
                ).count(),
                "all": bench_estate.links.count(),
            }
            found["linked_elsewhere"] = ContextLink.objects.exclude(context=bench_estate).count()
            told = Notification.objects.filter(recipient=coach, kind="case_allocated")
            found["coach_told"] = told.count()
            found["unread"] = Notification.objects.filter(read_at=None).count()
            found["coach_cases"] = Episode.objects.filter(coach=coach).count()
            found["references"] = YoungPerson.objects.filter(
                reference__startswith="YC-E09000012-"
            ).count()
            raise Rollback
    except Rollback:
        pass
    return found


def test_scale_data_fills_every_state_and_keeps_the_benchmark_anchors(cast):
    found = _load(seed=7)
    assert found["statuses"] >= {s.value for s in EpisodeStatus}
    assert found["coach_open"] == demo_scale.ANCHOR_OPEN_CASES
    assert found["anchor_sessions"] == demo_scale.ANCHOR_EPISODE_SESSIONS
    assert found["anchor_goals"] == 3
    assert found["team_coaches"] == demo_scale.ANCHOR_TEAM_COACHES
    assert found["team_open"] == demo_scale.ANCHOR_TEAM_OPEN_CASES
    assert found["ratings"] > found["counts"]["coaching_sessionlog"]
    assert found["measures"] == {"baseline", "review", "end"}
    assert found["supervision"] > 0 and found["actions"] > 0
    # The context the bench opens: every open case of the coach's, more of her team's, and
    # young people in other authorities; and contexts with links across the programme.
    assert found["anchor_context_links"] == {
        "coach": demo_scale.ANCHOR_OPEN_CASES,
        "elsewhere": demo_scale.ANCHOR_CONTEXT_ELSEWHERE_LINKS,
        "all": demo_scale.ANCHOR_OPEN_CASES
        + demo_scale.ANCHOR_CONTEXT_TEAM_LINKS
        + demo_scale.ANCHOR_CONTEXT_ELSEWHERE_LINKS,
    }
    assert found["linked_elsewhere"] > 0
    # The coach was told of each case allocated to her, and has read what is over a week old.
    assert found["coach_told"] == found["coach_cases"] >= demo_scale.ANCHOR_OPEN_CASES
    assert 0 < found["unread"] < found["counts"]["cases_notification"]
    # References continue the authority's own sequence: one per young person, none reused.
    assert found["references"] >= demo_scale.ANCHOR_TEAM_OPEN_CASES


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(cast):
    first, again, other = _load(seed=3), _load(seed=3), _load(seed=4)
    assert first["counts"] == again["counts"]
    assert first["fingerprint"] == again["fingerprint"]
    assert first["fingerprint"] != other["fingerprint"]
