"""The rest of the coach's and borough lead's journeys, each page checked with axe.

Borough lead: record a referral, meet the duplicate check, allocate. Coach: add a goal, record
an SDQ, raise a flag, record spending, ask to close. Supervisor: approve the closure.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Episode, EpisodeStatus, YoungPerson
from tests.conftest import allocated_case, referral
from tests.e2e.conftest import assert_accessible, choose_score, fill_date, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_borough_lead_records_a_referral_checks_duplicates_and_allocates(
    cast, live_server, page, viewport
):
    page.set_viewport_size(viewport)
    existing = referral(cast.hackney, given="Jordan", family="Example", age=14)
    Episode.objects.filter(pk=existing.pk).update(
        status=EpisodeStatus.CLOSED, closed_on=timezone.localdate(), ending_reason="planned"
    )
    sign_in(page, live_server, cast.hackney.lead)
    assert_accessible(page)
    page.get_by_role("button", name="Record a referral").click()
    assert_accessible(page)

    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Example")
    fill_date(page, "Date of birth", existing.young_person.date_of_birth)
    page.get_by_label("Name of the person referring").fill("Duty social worker")
    page.get_by_label("Their organisation or service").fill("Children's social care")
    fill_date(page, "Date of the risk panel", timezone.localdate() - timedelta(days=2))
    page.get_by_label("High").check()
    page.get_by_label("Carrying weapons").check()
    page.get_by_label("The young person agreed to take part").check()
    page.get_by_role("button", name="Record referral").click()

    # The duplicate check comes first, with everything typed kept.
    expect(page.get_by_test_id("possible-duplicates")).to_be_visible()
    assert page.get_by_label("First name").input_value() == "Jordan"
    assert_accessible(page)
    page.get_by_label(f"{existing.young_person.reference}: Jordan Example", exact=False).check()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"**/young-people/{existing.young_person_id}/")
    expect(page.get_by_text("Referral recorded")).to_be_visible()
    assert YoungPerson.objects.count() == 1  # a re-referral, not a second person
    assert_accessible(page)

    page.get_by_role("link", name="Allocate to a coach").click()
    assert_accessible(page)
    page.get_by_label("Coach").select_option(
        label=f"{cast.hackney.coach.full_name}, {cast.hackney.team.name}"
    )
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text(f"Allocated to {cast.hackney.coach.full_name}.")).to_be_visible()
    assert Episode.objects.open().get().coach == cast.hackney.coach


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_coach_goal_measure_flag_budget_and_closure(cast, live_server, page, viewport):
    page.set_viewport_size(viewport)
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    case_url = f"{live_server.url}/young-people/{episode.young_person_id}/"
    sign_in(page, live_server, cast.hackney.coach)
    page.goto(case_url)

    page.get_by_role("link", name="Add a goal").click()
    assert_accessible(page)
    page.get_by_label("The goal, in the young person's own words").fill("Go to school every day")
    choose_score(page, "How far is it met now?", 3)
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_text("\u201cGo to school every day\u201d")).to_be_visible()

    page.get_by_role("link", name="Record an SDQ from the paper form").click()
    assert_accessible(page)
    page.get_by_label("Baseline").check()
    for item in range(1, 26):
        page.get_by_label(f"Item {item}", exact=True).select_option("1")
    page.get_by_role("button", name="Save SDQ").click()
    expect(page.get_by_text("SDQ recorded. Total difficulties: 20.")).to_be_visible()

    page.get_by_role("link", name="Raise a flag").click()
    assert_accessible(page)
    page.get_by_label("Exploitation").check()
    page.get_by_label("Medium").check()
    page.get_by_label("What is the concern?").fill("Seen with older young people")
    page.get_by_role("button", name="Raise flag").click()
    expect(page.get_by_text("Flag raised.")).to_be_visible()

    page.get_by_role("link", name="See spending and what is left").click()
    assert_accessible(page)
    page.get_by_label("What was it for?").fill("Boxing club, one month")
    page.get_by_label("Amount, in pounds").fill("20")
    page.get_by_label("Approved by").select_option(label=cast.hackney.supervisor.full_name)
    page.get_by_role("button", name="Record spending").click()
    expect(page.get_by_text("Spending recorded.")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("£130.00 left of £150.00")
    assert_accessible(page)

    page.goto(case_url)
    page.get_by_role("link", name="Ask to close the case").click()
    expect(page.get_by_test_id("end-measure-warning")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Planned ending").check()
    page.get_by_label("Summary for your supervisor").fill("Goals met")
    page.get_by_role("button", name="Send to my supervisor").click()
    expect(page.get_by_test_id("closure").get_by_text("Closure awaiting approval")).to_be_visible()
    assert_accessible(page)
