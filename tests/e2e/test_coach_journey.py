"""A coach on a phone logs a session on one screen; it shows on caseload, timeline and chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outcomes import services as outcome_services
from sessions.models import SessionLog
from tests.conftest import allocated_case
from tests.e2e.conftest import (
    assert_accessible,
    case_entry,
    choose_score,
    fill_date,
    open_when_and_where,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_coach_logs_a_session_on_one_screen(cast, live_server, page, viewport):
    page.set_viewport_size(viewport)
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    goals = [
        outcome_services.goal_set(
            actor=coach,
            episode=episode,
            description=text,
            agreed_on=timezone.localdate() - timedelta(days=14),
            first_score=2,
        )
        for text in ("Stay calm at school", "Get back into football")
    ]
    sign_in(page, live_server, coach)
    page.get_by_role("link", name="Riley Example").click()
    page.get_by_role("button", name="Log a session").click()
    assert_accessible(page)

    # Today, attended, and the usual length are already filled in.
    assert page.get_by_label("Attended").is_checked()
    open_when_and_where(page)
    assert page.get_by_label("Day").input_value() == str(timezone.localdate().day)
    page.get_by_label("Community setting").check()
    # The coach has logged nothing yet, so the shortlist is the managed order: the rest are
    # behind "More".
    page.get_by_text("More techniques used").click()
    page.get_by_label("Problem solving").check()
    page.get_by_label("Managing intense feelings").check()
    choose_score(page, "How they felt at the start", 3)
    choose_score(page, "How they felt at the end", 7)
    choose_score(page, "Goal: \u201cStay calm at school\u201d", 6)
    choose_score(page, "Goal: \u201cGet back into football\u201d", 4)
    page.get_by_label("Task until the next session").fill("Try the breathing exercise")
    page.get_by_role("button", name="Save session").click()

    page.wait_for_url(f"**/young-people/{episode.young_person_id}/")
    expect(page.get_by_text("Session logged:")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_role("link", name="Session: attended").first).to_be_visible()
    expect(page.get_by_test_id("goal-summary").first).to_have_text(
        "First 2, latest 6: up 4 points, a meaningful improvement."
    )
    assert_accessible(page)

    log = SessionLog.objects.get(episode=episode)
    assert log.techniques.count() == 2 and (log.feeling_start, log.feeling_end) == (3, 7)
    assert {r.goal_id: r.score for r in log.goal_ratings.all()} == {goals[0].pk: 6, goals[1].pk: 4}

    page.get_by_role("link", name="Back to home").click()
    row = case_entry(page, "caseload", "Riley Example")
    expect(row).to_contain_text("1 of 3")
    expect(row).to_contain_text(timezone.localdate().strftime("%-d %b %Y"))


def test_an_invalid_date_keeps_what_was_typed_and_a_resend_records_once(cast, live_server, page):
    page.set_viewport_size(PHONE)
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    sign_in(page, live_server, cast.hackney.coach)
    page.goto(f"{live_server.url}/young-people/{episode.young_person_id}/sessions/new/")
    open_when_and_where(page)
    fill_date(page, "Date of the session", timezone.localdate() + timedelta(days=5))
    page.get_by_label("School").check()
    page.get_by_label("Notes").fill("We met at lunchtime.")
    page.get_by_role("button", name="Save session").click()

    expect(page.get_by_role("alert").get_by_text("cannot be in the future")).to_be_visible()
    assert page.get_by_label("Notes").input_value() == "We met at lunchtime."
    assert page.get_by_label("School").is_checked()
    assert_accessible(page)

    fill_date(page, "Date of the session", timezone.localdate())
    # What the browser is about to send, so it can be sent again as a flaky connection would.
    sent = page.evaluate(
        "() => new URLSearchParams(new FormData(document.querySelector('main form'))).toString()"
    )
    page.get_by_role("button", name="Save session").click()
    page.wait_for_url(f"**/young-people/{episode.young_person_id}/")
    status = page.evaluate(
        """async ([url, body]) => (await fetch(url, {method: 'POST', body,
            headers: {'Content-Type': 'application/x-www-form-urlencoded'}})).status""",
        [f"{live_server.url}/young-people/{episode.young_person_id}/sessions/new/", sent],
    )
    assert status == 200  # followed to the case page, which says it was already logged
    assert SessionLog.objects.filter(episode=episode).count() == 1


def test_a_reload_before_saving_keeps_the_draft_and_saving_clears_it(cast, live_server, page):
    page.set_viewport_size(PHONE)
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    sign_in(page, live_server, cast.hackney.coach)
    url = f"{live_server.url}/young-people/{episode.young_person_id}/sessions/new/"
    page.goto(url)
    key = page.locator("input[name=idempotency_key]").input_value()
    open_when_and_where(page)
    page.get_by_label("Youth centre").check()
    page.get_by_label("Notes").fill("Talked about his brother")
    page.reload()  # as if the connection dropped and the page was opened again

    expect(page.get_by_text("We put back what you typed earlier")).to_be_visible()
    assert page.get_by_label("Notes").input_value() == "Talked about his brother"
    assert page.get_by_label("Youth centre").is_checked()
    assert page.locator("input[name=idempotency_key]").input_value() == key  # resend is safe
    assert_accessible(page)
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Session logged:")).to_be_visible()

    page.goto(url)
    expect(page.get_by_label("Notes")).to_have_value("")
    expect(page.get_by_text("We put back what you typed earlier")).to_be_hidden()
