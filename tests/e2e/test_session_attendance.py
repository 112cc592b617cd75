"""Choosing that a session did not happen clears and hides what only a held session has."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outcomes import services as outcome_services
from sessions.models import SessionLog
from tests.conftest import allocated_case
from tests.e2e.conftest import assert_accessible, choose_score, open_when_and_where, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_choosing_did_not_attend_clears_and_hides_length_place_feelings_and_ratings(
    cast, live_server, page
):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description="Stay calm at school",
        agreed_on=timezone.localdate() - timedelta(days=14),
        first_score=2,
    )
    sign_in(page, live_server, coach)
    page.goto(f"{live_server.url}/young-people/{episode.young_person_id}/sessions/new/")
    open_when_and_where(page)
    length = page.get_by_label("How long, in minutes")
    length.fill("60")
    page.get_by_label("Community setting").check()
    choose_score(page, "How they felt at the start", 3)
    page.get_by_label("Did not attend").check()
    for hidden in (
        length,
        page.get_by_label("Community setting"),
        page.get_by_role("group", name="How they felt at the start"),
        page.get_by_role("group", name="How they felt at the end"),
        page.get_by_role("group", name="Goal: \u201cStay calm at school\u201d"),
        page.get_by_role("group", name="Techniques used"),
    ):
        expect(hidden).to_be_hidden()
    assert_accessible(page)
    # Changing her mind brings back what she had filled in.
    page.get_by_label("Attended").check()
    expect(length).to_have_value("60")
    expect(page.get_by_label("Community setting")).to_be_checked()
    page.get_by_label("Cancelled by the coach").check()
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"**/young-people/{episode.young_person_id}/")
    log = SessionLog.objects.get(episode=episode)
    assert (log.attendance, log.duration_minutes, log.place, log.feeling_start) == (
        "cancelled_coach",
        None,
        "",
        None,
    )
