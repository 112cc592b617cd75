"""Each attention signal, on its edge dates (V1). One definition: caseload/attention.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from caseload import attention
from caseload.rows import case_rows
from cases import services as case_services
from cases.models import Episode, RiskFlag
from outcomes import services as outcome_services
from sessions.models import SessionLog
from supervision import services as supervision_services
from tests.conftest import allocated_case, logged_session

pytestmark = pytest.mark.django_db


def reasons_for(episode) -> list[str]:
    (row,) = case_rows(Episode.objects.filter(pk=episode.pk), timezone.localdate())
    return attention.reasons(row, timezone.localdate())


def attend(cast, episode, days_ago: int) -> None:
    logged_session(episode, coach=cast.hackney.coach, days_ago=days_ago)


@pytest.fixture
def episode(cast):
    return allocated_case(cast.hackney, received_on=timezone.localdate() - timedelta(days=90))


def test_no_contact_from_day_14_not_day_13(cast, episode):
    attend(cast, episode, 13)
    assert attention.NO_CONTACT not in reasons_for(episode)
    SessionLog.objects.filter(episode=episode).update(
        occurred_at=timezone.now() - timedelta(days=14)
    )
    assert attention.NO_CONTACT in reasons_for(episode)


def test_a_case_never_seen_counts_from_allocation(cast, episode):
    Episode.objects.filter(pk=episode.pk).update(
        allocated_on=timezone.localdate() - timedelta(days=13)
    )
    assert attention.NO_CONTACT not in reasons_for(episode)
    Episode.objects.filter(pk=episode.pk).update(
        allocated_on=timezone.localdate() - timedelta(days=14)
    )
    assert attention.NO_CONTACT in reasons_for(episode)


def test_under_dosed_is_fewer_than_one_and_a_half_sessions_a_week_over_three_weeks(cast, episode):
    attend(cast, episode, 30)  # started a month ago
    for days_ago in (1, 4, 8, 12):
        attend(cast, episode, days_ago)  # 4 in the last 3 weeks: 1.3 a week
    assert attention.UNDER_DOSED in reasons_for(episode)
    attend(cast, episode, 15)  # 5 in 3 weeks: 1.7 a week
    assert attention.UNDER_DOSED not in reasons_for(episode)


def test_a_case_started_less_than_three_weeks_ago_is_not_called_under_dosed(cast, episode):
    attend(cast, episode, 10)
    assert attention.UNDER_DOSED not in reasons_for(episode)


def test_goals_stuck_or_falling_across_the_last_three_ratings(cast, episode):
    coach = cast.hackney.coach
    goal = outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate() - timedelta(days=20),
        first_score=4,
    )
    outcome_services.goal_rate(
        actor=coach, goal=goal, score=4, rated_on=timezone.localdate() - timedelta(days=10)
    )
    assert attention.GOALS_STUCK not in reasons_for(episode)  # two ratings: too early to say
    outcome_services.goal_rate(actor=coach, goal=goal, score=3, rated_on=timezone.localdate())
    assert attention.GOALS_STUCK in reasons_for(episode)
    outcome_services.goal_rate(actor=coach, goal=goal, score=5, rated_on=timezone.localdate())
    assert attention.GOALS_STUCK not in reasons_for(episode)


def rate_three_times(cast, episode, scores: tuple[int, int, int]) -> None:
    coach = cast.hackney.coach
    goal = outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate() - timedelta(days=20),
        first_score=scores[0],
    )
    for days_ago, score in ((10, scores[1]), (0, scores[2])):
        outcome_services.goal_rate(
            actor=coach,
            goal=goal,
            score=score,
            rated_on=timezone.localdate() - timedelta(days=days_ago),
        )


def supervisor_review_reasons(cast, episode) -> list[str]:
    from supervision.selectors import review_for_user

    review = review_for_user(cast.hackney.supervisor)
    return next((a.reasons for a in review.attention if a.row.episode.pk == episode.pk), [])


@pytest.mark.parametrize("scores", [(10, 10, 10), (9, 10, 9), (9, 9, 9), (10, 9, 8), (8, 8, 8)])
def test_goal_rated_at_the_top_three_times_is_not_stuck(cast, episode, scores):
    rate_three_times(cast, episode, scores)
    assert attention.GOALS_STUCK not in reasons_for(episode)
    assert attention.GOALS_STUCK not in supervisor_review_reasons(cast, episode)


@pytest.mark.parametrize("scores", [(10, 9, 7), (10, 10, 7), (7, 7, 7), (9, 8, 6)])
def test_goal_falling_from_the_top_is_still_flagged(cast, episode, scores):
    rate_three_times(cast, episode, scores)
    assert attention.GOALS_STUCK in reasons_for(episode)
    assert attention.GOALS_STUCK in supervisor_review_reasons(cast, episode)


def test_measures_overdue(cast, episode):
    # Referred 90 days ago and never started: the baseline was due by day 21.
    assert attention.MEASURES_OVERDUE in reasons_for(episode)


def test_flag_past_review_date(cast, episode):
    flag = case_services.flag_raise(
        actor=cast.hackney.coach,
        episode=episode,
        category="other",
        level="low",
        summary="s",
        review_on=timezone.localdate(),
    )
    assert attention.FLAG_PAST_REVIEW not in reasons_for(episode)  # due today, not past
    RiskFlag.objects.filter(pk=flag.pk).update(review_on=timezone.localdate() - timedelta(days=1))
    assert attention.FLAG_PAST_REVIEW in reasons_for(episode)


def test_closure_awaiting_approval(cast, episode):
    case_services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Done"
    )
    assert attention.CLOSURE_WAITING in reasons_for(episode)


def test_actions_overdue(cast, episode):
    supervision_services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=supervision_services.SupervisionInput(
            held_on=timezone.localdate() - timedelta(days=10),
            format="individual",
            coaches={cast.hackney.coach.pk: ""},
            actions=[
                supervision_services.AgreedAction(
                    description="Call school",
                    owner=cast.hackney.coach,
                    due_on=timezone.localdate() - timedelta(days=1),
                    episode=episode,
                )
            ],
        ),
    )
    assert attention.ACTIONS_OVERDUE in reasons_for(episode)
