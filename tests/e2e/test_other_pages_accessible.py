"""Every other page of the case journeys passes axe, on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services as case_services
from outcomes import services as outcome_services
from sessions import services as session_services
from tests.cases.test_record_follows_current_case import re_referral
from tests.conftest import allocated_case, new_key
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_remaining_case_pages_are_accessible(cast, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    yp = episode.young_person_id
    log, _ = session_services.session_log(
        actor=coach,
        episode=episode,
        idempotency_key=new_key(),
        occurred_at=timezone.now(),
        attendance="attended",
        duration_minutes=30,
        place="school",
        notes="Notes",
    )
    goal = outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate(),
        first_score=2,
    )
    flag = case_services.flag_raise(
        actor=coach,
        episode=episode,
        category="other",
        level="low",
        summary="Concern",
        review_on=timezone.localdate() + timedelta(days=3),
    )
    closure = case_services.closure_request(
        actor=coach, episode=episode, ending_reason="planned", summary="Done"
    )

    sign_in(page, live_server, coach)
    for path in (
        f"/sessions/{log.pk}/",
        f"/goals/{goal.pk}/end/",
        f"/flags/{flag.pk}/resolve/",
        f"/young-people/{yp}/measures/sdq/scales/",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page)
    # A form with errors is accessible too.
    page.goto(f"{live_server.url}/goals/{goal.pk}/end/")
    page.get_by_role("button", name="Save").click()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server, cast.hackney.lead)
    page.goto(f"{live_server.url}/young-people/{yp}/transfer/")
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server, cast.hackney.supervisor)
    for path in ("/", f"/closure-requests/{closure.pk}/decision/", f"/young-people/{yp}/"):
        page.goto(live_server.url + path)
        assert_accessible(page)

    # The same young person after closure and a re-referral: the earlier case, its flag's
    # review and the allocations on the page and the timeline, on a phone and a desktop.
    case_services.flag_review(
        actor=cast.hackney.supervisor,
        flag=flag,
        version=flag.version,
        level="medium",
        review_on=timezone.localdate() + timedelta(days=10),
    )
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    re_referral(cast.hackney, episode.young_person, cast.hackney.coach2)
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/young-people/{yp}/")
        assert page.get_by_role("heading", name="Earlier cases").is_visible()
        assert page.get_by_text("Flag reviewed: other").is_visible()
        assert_accessible(page)
