"""The reports' summary (outcomes/summary.py): what the services keep as they write is what a
rebuild from the raw rows gives, on hand-made cases and on the seeded demo programme."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from devtools import demo
from outcomes import services as outcome_services
from outcomes.models import EpisodeSessionMonth, EpisodeSessions, GoalRatings
from outcomes.reports.indicators import month_split
from sessions import services as session_services
from tests.conftest import allocated_case, logged_session
from tests.outcomes.summaries import kept_equals_rebuilt

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=hour)))


def test_logging_correcting_and_rating_keep_the_summary_a_rebuild_gives(cast):
    coach = cast.hackney.coach
    today = timezone.localdate()
    first_day = (today.replace(day=1) - timedelta(days=1)).replace(day=10)  # last month
    episode = allocated_case(cast.hackney, received_on=first_day - timedelta(days=5))
    goal = outcome_services.goal_set(
        actor=coach, episode=episode, description="Stay calm", agreed_on=first_day, first_score=2
    )
    one = logged_session(episode, occurred_at=at(first_day), goal_scores={goal.pk: 4})
    logged_session(
        episode, occurred_at=at(first_day + timedelta(days=2)), attendance="did_not_attend"
    )
    # Today at 8, or now if that is still to come (a session cannot be in the future).
    this_morning = min(at(today, 8), timezone.now())
    logged_session(episode, occurred_at=this_morning, goal_scores={goal.pk: 6})
    outcome_services.goal_rate(actor=coach, goal=goal, score=7, rated_on=today)
    # The young person's own rating is not the coach's: the summary leaves it out.
    outcome_services.young_person_check_in(
        actor=coach, episode=episode, idempotency_key=uuid.uuid4(), feeling=5,
        goal_scores={goal.pk: 10},
    )  # fmt: skip
    # A correction moves the first session a day later and makes it a cancellation.
    session_services.session_correct(
        actor=coach,
        session_log=one,
        version=one.version,
        occurred_at=at(first_day + timedelta(days=1)),
        attendance="cancelled_young_person",
    )
    kept = kept_equals_rebuilt()

    sessions = EpisodeSessions.objects.get(episode=episode)
    assert (sessions.attended, sessions.first_attended_on, sessions.last_attended_on) == (
        1,
        today,
        today,
    )
    months = {
        m.month: (m.sessions, m.attended, m.did_not_attend, m.cancelled_young_person)
        for m in EpisodeSessionMonth.objects.filter(episode=episode)
    }
    assert months == {first_day.replace(day=1): (2, 0, 1, 1), today.replace(day=1): (1, 1, 0, 0)}
    ratings = GoalRatings.objects.get(goal=goal)
    # Set at 2, rated 6 at today's session and 7 on the goal; the corrected session's 4 went
    # with its goal ratings (a cancelled session rates nothing).
    assert (ratings.ratings, ratings.first_score, ratings.latest_score) == (3, 2, 7)
    assert len(kept["outcomes_episodesessionmonth"]) == 2


def test_the_seeded_demo_programme_keeps_the_summary_a_rebuild_gives():
    demo.seed(seed=3)
    kept = kept_equals_rebuilt()
    assert len(kept["outcomes_episodesessions"]) > 5
    assert len(kept["outcomes_goalratings"]) > 5


def test_the_command_rebuilds_what_was_written_round_the_services(cast):
    episode = allocated_case(cast.hackney)
    logged_session(episode)
    EpisodeSessions.objects.all().delete()
    EpisodeSessionMonth.objects.all().delete()
    call_command("rebuild_summary", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert EpisodeSessions.objects.get(episode=episode).attended == 1


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # A financial year, a quarter, a month: whole months, no edges.
        (date(2025, 4, 1), date(2026, 3, 31), ((date(2025, 4, 1), date(2026, 4, 1)), None, None)),
        (date(2026, 2, 1), date(2026, 2, 28), ((date(2026, 2, 1), date(2026, 3, 1)), None, None)),
        # Days either side of whole months.
        (
            date(2025, 12, 15),
            date(2026, 10, 20),
            (
                (date(2026, 1, 1), date(2026, 10, 1)),
                (date(2025, 12, 15), date(2025, 12, 31)),
                (date(2026, 10, 1), date(2026, 10, 20)),
            ),
        ),
        # Days within one month, and across two with no whole month between.
        (
            date(2026, 10, 3),
            date(2026, 10, 27),
            (None, (date(2026, 10, 3), date(2026, 10, 27)), None),
        ),
        (
            date(2026, 10, 3),
            date(2026, 11, 5),
            (None, (date(2026, 10, 3), date(2026, 11, 5)), None),
        ),
    ],
)
def test_a_period_is_read_as_whole_months_and_the_days_at_its_edges(start, end, expected):
    split = month_split(start, end)

    def pair(a: str, b: str):
        return None if split[a] is None else (split[a], split[b])

    assert (
        pair("full_from", "full_until"),
        pair("e1_from", "e1_to"),
        pair("e2_from", "e2_to"),
    ) == (expected)
