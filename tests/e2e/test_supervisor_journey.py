"""A supervisor reviews caseloads, opens a case and records supervision; the action reaches it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import allocated_case
from tests.e2e.conftest import assert_accessible, case_entry, fill_date, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
    ids=["phone", "desktop"],
)
def test_review_then_case_then_supervision_then_action_on_the_case(
    cast, live_server, page, viewport
):
    page.set_viewport_size(viewport)
    episode = allocated_case(
        cast.hackney,
        given="Riley",
        family="Example",
        received_on=timezone.localdate() - timedelta(days=60),
    )
    sign_in(page, live_server, cast.hackney.supervisor)
    page.get_by_role("link", name="Caseload review").click()
    riley = case_entry(page, "review-attention", "Riley Example")
    expect(riley).to_contain_text("Measures overdue")
    expect(page.get_by_test_id("review-coaches")).to_contain_text("Supervision overdue")
    assert_accessible(page)

    riley.get_by_role("link", name="Riley Example").click()
    expect(page.get_by_role("heading", name="Riley Example")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Caseload review").click()
    page.get_by_role("button", name="Record supervision").click()
    assert_accessible(page)
    page.get_by_label("Individual").check()
    page.get_by_label(cast.hackney.coach.full_name, exact=True).check()
    page.get_by_label(f"Wellbeing check-in: {cast.hackney.coach.full_name}").fill("Coping well")
    page.get_by_label(f"{episode.young_person.reference}: Riley Example", exact=False).check()
    page.get_by_label(f"Notes on {episode.young_person.reference}").fill(
        "Baseline SDQ still missing"
    )
    page.get_by_label("Action 1").fill("Record the baseline SDQ")
    page.get_by_label("Who will do it").first.select_option(label=cast.hackney.coach.full_name)
    fill_date(page, "Due by", timezone.localdate() + timedelta(days=7))
    page.get_by_label("About which case").first.select_option(label=episode.young_person.reference)
    page.get_by_role("button", name="Save supervision").click()

    expect(page.get_by_text("Supervision recorded.")).to_be_visible()
    expect(page.get_by_test_id("record-actions")).to_contain_text("Record the baseline SDQ")
    assert_accessible(page)

    page.goto(f"{live_server.url}/young-people/{episode.young_person_id}/")
    expect(page.get_by_test_id("actions")).to_contain_text("Record the baseline SDQ")
    expect(page.get_by_test_id("timeline")).to_contain_text("Discussed in supervision")


def test_borough_lead_review_is_accessible(cast, live_server, page):
    allocated_case(cast.hackney, received_on=timezone.localdate() - timedelta(days=60))
    sign_in(page, live_server, cast.hackney.lead)
    page.get_by_role("link", name="Caseload review").click()
    expect(page.get_by_test_id("review-coaches")).to_contain_text(cast.hackney.coach.full_name)
    assert_accessible(page)
