"""Logging a session on a phone within its interaction budget (docs/programme.md S5).

From the coach's home page at 390 x 844: a typical session (attended, two techniques, how
they felt at the start and the end, a rating for each of three goals, a short note) in at most
12 interactions; a session that did not happen in at most 4. tests/e2e/interactions.py says
what counts. The steps are printed, so a failure shows where the taps went.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from outcomes import services as outcome_services
from sessions.models import Attendance, SessionLog, Technique
from tests.conftest import allocated_case, logged_session
from tests.e2e.conftest import assert_accessible, sign_in
from tests.e2e.interactions import Interactions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TYPICAL_BUDGET = 12
NOT_HELD_BUDGET = 4
GOALS = ("Stay calm when someone winds me up", "Get back into football", "Sleep before midnight")


@pytest.fixture
def case_with_three_goals(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    goals = [
        outcome_services.goal_set(
            actor=coach,
            episode=episode,
            description=text,
            agreed_on=timezone.localdate() - timedelta(days=14),
            first_score=3,
        )
        for text in GOALS
    ]
    # Last week's session: the coach's usual techniques, place and length come from it.
    usual = list(Technique.objects.filter(active=True).order_by("-display_order")[:2])
    logged_session(
        episode, coach=coach, days_ago=7, duration_minutes=45, place="school", techniques=usual
    )
    return episode, goals, usual


def _start(page, live_server, coach, name: str) -> Interactions:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, coach)
    counted = Interactions(page)
    card_link = page.locator("main a", has_text=re.compile(rf"Log a session\s+with {name}"))
    counted.tap(card_link, "Log a session on the caseload card")
    page.wait_for_url("**/sessions/new/")
    return counted


def test_a_typical_session_takes_at_most_twelve_interactions(
    cast, live_server, page, case_with_three_goals
):
    episode, goals, usual = case_with_three_goals
    counted = _start(page, live_server, cast.hackney.coach, "Riley Example")
    assert page.get_by_label("Attended").is_checked()  # the usual answer, already chosen
    for technique in usual:
        counted.tap(page.get_by_label(technique.name, exact=True), f"technique {technique.name}")
    for question, score in (("How they felt at the start", 4), ("How they felt at the end", 7)):
        group = page.get_by_role("group", name=question)
        counted.tap(group.get_by_label(re.compile(rf"^{score}\b")), f"{question}: {score}")
    for goal, score in zip(goals, (5, 6, 4), strict=True):
        group = page.get_by_role("group", name=f"Goal: \u201c{goal.description}\u201d")
        counted.tap(group.get_by_label(re.compile(rf"^{score}\b")), f"goal {goal.slot}: {score}")
    counted.type(page.get_by_label("Notes"), "Talked through the fight at lunch.", "a short note")
    counted.tap(page.get_by_role("button", name="Save session"), "Save session")
    page.wait_for_url(f"**/young-people/{episode.young_person_id}/")

    print("\n".join(f"{n}. {step}" for n, step in enumerate(counted.steps, 1)))
    assert counted.count <= TYPICAL_BUDGET, counted.steps
    log = SessionLog.objects.filter(episode=episode).latest("occurred_at")
    assert log.attendance == Attendance.ATTENDED
    assert set(log.techniques.all()) == set(usual)
    assert (log.feeling_start, log.feeling_end, log.duration_minutes, log.place) == (
        4,
        7,
        45,
        "school",
    )
    assert {r.goal_id: r.score for r in log.goal_ratings.all()} == {
        goals[0].pk: 5,
        goals[1].pk: 6,
        goals[2].pk: 4,
    }
    assert log.notes == "Talked through the fight at lunch."


@pytest.mark.parametrize(
    "choice", ["Did not attend", "Cancelled by the young person", "Cancelled by the coach"]
)
def test_a_session_that_did_not_happen_takes_at_most_four(
    cast, live_server, page, case_with_three_goals, choice
):
    episode, _, _ = case_with_three_goals
    counted = _start(page, live_server, cast.hackney.coach, "Riley Example")
    counted.tap(page.get_by_label(choice, exact=True), choice)
    assert_accessible(page)  # the form as it is now, with what does not apply folded away
    counted.tap(page.get_by_role("button", name="Save session"), "Save session")
    page.wait_for_url(f"**/young-people/{episode.young_person_id}/")

    print("\n".join(f"{n}. {step}" for n, step in enumerate(counted.steps, 1)))
    assert counted.count <= NOT_HELD_BUDGET, counted.steps
    log = SessionLog.objects.filter(episode=episode).latest("occurred_at")
    assert log.attendance != Attendance.ATTENDED
    assert (log.duration_minutes, log.place, log.feeling_start, log.goal_ratings.count()) == (
        None,
        "",
        None,
        0,
    )
