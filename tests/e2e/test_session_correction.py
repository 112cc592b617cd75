"""A coach corrects a whole session on a phone and on a desktop, within the window (S8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outcomes import services as outcome_services
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session
from tests.e2e.conftest import assert_accessible, choose_score, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
    ids=["phone", "desktop"],
)
def test_a_coach_corrects_a_session_she_logged(cast, live_server, page, viewport):
    page.set_viewport_size(viewport)
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    goal = outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description="Stay calm at school",
        agreed_on=timezone.localdate() - timedelta(days=14),
        first_score=2,
    )
    log = logged_session(episode, feeling_start=3, feeling_end=4, goal_scores={goal.pk: 5})
    sign_in(page, live_server, coach)
    page.goto(f"{live_server.url}/sessions/{log.pk}/")
    page.get_by_role("link", name="Correct any part of this session").click()
    assert_accessible(page)
    choose_score(page, "How they felt at the end", 8)
    choose_score(page, "Goal: \u201cStay calm at school\u201d", 6)
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("Session corrected.")).to_be_visible()
    assert_accessible(page)
    log = SessionLog.objects.get(pk=log.pk)
    assert (log.feeling_end, log.version) == (8, 2)
    assert [r.score for r in log.goal_ratings.all()] == [6]
