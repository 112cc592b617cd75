"""Goals in the browser: add up to three, chart their ratings, achieve, replace or drop (O1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outcomes import services
from outcomes.models import Goal, GoalStatus
from outcomes.progress import progress
from tests.conftest import allocated_case

pytestmark = pytest.mark.django_db


def add_goal(client, episode, text="Stay calm", score="2"):
    return client.post(
        reverse("outcomes:goal-new", args=[episode.young_person_id]),
        {"description": text, "agreed_on": timezone.localdate().isoformat(), "first_score": score},
    )


def test_a_coach_adds_up_to_three_goals(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.coach)
    page_url = reverse("cases:young-person", args=[episode.young_person_id])
    add_url = reverse("outcomes:goal-new", args=[episode.young_person_id])
    assert add_url in client.get(page_url).content.decode()
    for n in range(3):
        assert add_goal(client, episode, f"Goal {n}").status_code == 302
    fourth = add_goal(client, episode, "One too many")
    assert fourth.status_code == 400
    assert "already has 3 goals" in fourth.content.decode()
    assert "One too many" in fourth.content.decode()
    page = client.get(
        reverse("cases:young-person", args=[episode.young_person_id])
    ).content.decode()
    assert reverse("outcomes:goal-new", args=[episode.young_person_id]) not in page


def test_a_goal_needs_words_and_a_first_rating(cast, client_for):
    episode = allocated_case(cast.hackney)
    response = add_goal(client_for(cast.hackney.coach), episode, text="", score="")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Write the goal in the young person" in body and "Give the goal a first rating" in body


def test_the_chart_marks_meaningful_improvement(cast, client_for):
    episode = allocated_case(cast.hackney)
    coach = cast.hackney.coach
    goal = services.goal_set(
        actor=coach,
        episode=episode,
        description="Go to school",
        agreed_on=timezone.localdate() - timedelta(days=20),
        first_score=2,
    )
    services.goal_rate(
        actor=coach, goal=goal, score=4, rated_on=timezone.localdate() - timedelta(days=10)
    )
    services.goal_rate(actor=coach, goal=goal, score=6, rated_on=timezone.localdate())
    body = (
        client_for(coach)
        .get(reverse("cases:young-person", args=[episode.young_person_id]))
        .content.decode()
    )
    assert "<polyline" in body and 'stroke-dasharray="6 4"' in body
    assert "First 2, latest 6: up 4 points, a meaningful improvement" in body
    assert "Meaningful improvement</strong>" in body
    assert "5 or more (2 at first rating, plus 3)" in body


def test_progress_definitions():
    class R:
        def __init__(self, day, score, pk):
            self.rated_on, self.score, self.pk = (
                timezone.localdate() + timedelta(days=day),
                score,
                pk,
            )

    assert progress([R(0, 4, 1)]).change is None
    two = progress([R(5, 7, 2), R(0, 4, 1)])  # out of order in, ordered by date
    assert (two.first, two.latest, two.change, two.meaningful) == (4, 7, 3, True)
    assert progress([R(0, 4, 1), R(1, 6, 2)]).meaningful is False
    assert progress([R(0, 8, 1)]).threshold is None  # 8 + 3 is off the scale
    assert progress([R(0, 5, 1), R(1, 5, 2), R(2, 3, 3)]).trend == "down"


def test_replacing_a_goal_keeps_the_old_one_and_its_ratings(cast, client_for):
    episode = allocated_case(cast.hackney)
    goal = services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Old goal",
        agreed_on=timezone.localdate(),
        first_score=3,
    )
    client = client_for(cast.hackney.coach)
    response = client.post(
        reverse("outcomes:goal-end", args=[goal.pk]),
        {
            "version": goal.version,
            "status": "replaced",
            "replacement": "New goal",
            "replacement_score": "1",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.replaced_by is not None
    assert goal.status == GoalStatus.REPLACED and goal.replaced_by.description == "New goal"
    assert goal.ratings.count() == 1


def test_a_stale_goal_form_is_refused(cast, client_for):
    episode = allocated_case(cast.hackney)
    goal = services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate(),
        first_score=3,
    )
    Goal.objects.filter(pk=goal.pk).update(version=goal.version + 1)
    response = client_for(cast.hackney.coach).post(
        reverse("outcomes:goal-end", args=[goal.pk]),
        {"version": goal.version, "status": "achieved"},
    )
    assert response.status_code == 409
    assert "Someone else changed this goal" in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.LIVE


def test_a_goal_ended_by_someone_else_meanwhile_says_who_and_how(cast, client_for):
    episode = allocated_case(cast.hackney)
    goal = services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate(),
        first_score=3,
    )
    services.goal_end(actor=cast.hackney.coach, goal=goal, status="achieved", version=1)
    response = client_for(cast.hackney.coach).post(
        reverse("outcomes:goal-end", args=[goal.pk]),
        {
            "version": 1,
            "status": "replaced",
            "replacement": "Keep my words",
            "replacement_score": 2,
        },
    )
    # The page she is on was opened before: answered as stale, with her words kept.
    assert response.status_code == 409
    body = response.content.decode()
    assert "You, in another window or tab, changed this goal after you opened it" in body
    assert "it is now achieved" in body and "Keep my words" in body
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED and goal.replaced_by is None
