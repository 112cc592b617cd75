"""Lists of cases on a phone are cards, on a desktop tables: the coach's caseload, the caseload
review and the borough lead's list, with enough cases to page (V1, C1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from caseload.lists import PAGE_SIZE
from supervision.selectors import REVIEW_PAGE_SIZE
from tests.conftest import allocated_case, logged_session
from tests.e2e.conftest import DESKTOP_WIDTH, assert_accessible, case_entry, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: Cases in the borough: more than a page of the lead's list and of the review.
CASES = PAGE_SIZE + 5
#: "A few screens": the lead's review at 390px, below its coaches, with a page of cards.
MOST_SCREENS = 4


@pytest.fixture
def borough(cast):
    """Cases shared between the two Hackney coaches, each needing attention (the baseline
    measure is overdue) but a few of the second coach's seen yesterday; Kai Brown is the first
    coach's."""
    kai = allocated_case(cast.hackney, given="Kai", family="Brown")
    for n in range(CASES - 1):
        coach = cast.hackney.coach if n % 2 else cast.hackney.coach2
        episode = allocated_case(cast.hackney, coach=coach)
        if n % 6 == 0:  # n even: the second coach's
            logged_session(episode, days_ago=1)
    return kai


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


PAGES = [("coach", "/", "caseload"), ("supervisor", "/supervision/review/", "review-attention")]
PAGES.append(("lead", "/", "authority-cases"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(("who", "path", "testid"), PAGES, ids=[p[2] for p in PAGES])
def test_each_list_is_cards_on_a_phone_and_a_table_on_a_desktop(
    cast, live_server, page, borough, viewport, who, path, testid
):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, getattr(cast.hackney, who))
    page.goto(f"{live_server.url}{path}")
    kai = case_entry(page, testid, "Kai Brown")
    expect(kai).to_contain_text(borough.young_person.reference)
    expect(kai).to_contain_text("Measures overdue")
    if viewport["width"] < DESKTOP_WIDTH:
        expect(page.get_by_test_id(testid)).to_be_hidden()  # the table
        expect(kai.locator(".govuk-tag")).to_have_text("Measures overdue")
        expect(kai).to_contain_text("0 of 3 sessions")
        expect(kai).to_contain_text("Baseline overdue")
        expect(kai).to_contain_text("Not enough ratings")
    else:
        expect(page.get_by_test_id(f"{testid}-cards")).to_be_hidden()
    no_sideways_scroll(page, viewport["width"])
    assert_accessible(page)


def test_a_cards_log_a_session_button_opens_that_young_persons_form(
    cast, live_server, page, borough
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.hackney.coach)
    page.get_by_role("button", name="Log a session with Kai Brown").click()
    page.wait_for_url(f"**/young-people/{borough.young_person_id}/sessions/new/")
    expect(page.get_by_role("button", name="Save session")).to_be_visible()


def test_the_lead_pages_through_cards_keeping_the_sort_and_filter(cast, live_server, page, borough):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.hackney.lead)
    page.get_by_label("Show").select_option(label="Fewer than 3 sessions this week")
    page.get_by_label("Sort by").select_option(label="Young person, Z to A")
    page.get_by_role("button", name="Apply").click()
    cards = page.get_by_test_id("authority-cases-cards").locator(
        ":scope > li"
    )  # the cards, not their tags
    expect(cards).to_have_count(PAGE_SIZE)
    title = page.locator("#authority-cases-cards-title")
    expect(title).to_have_text(
        f"Every open case, by young person: {CASES} of {CASES} (page 1 of 2)"
    )
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Next")).click()
    assert "sort=name&dir=desc&show=below-target&page=2" in page.url
    expect(cards).to_have_count(CASES - PAGE_SIZE)
    expect(cards.last).to_contain_text("Kai Brown")  # Z to A: Brown comes last
    expect(page.get_by_label("Sort by")).to_have_value("name:desc")
    expect(page.get_by_label("Show")).to_have_value("below-target")
    page.get_by_role("link", name=re.compile("Previous")).click()
    assert "sort=name&dir=desc&show=below-target&page=1" in page.url


def test_the_leads_review_is_a_few_screens_and_pages_keep_the_coach(
    cast, live_server, page, borough
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.hackney.lead)
    page.goto(f"{live_server.url}/supervision/review/")
    cards = page.get_by_test_id("review-attention-cards").locator(
        ":scope > li"
    )  # the cards, not their tags
    expect(cards).to_have_count(REVIEW_PAGE_SIZE)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MOST_SCREENS * PHONE["height"], f"{height}px is more than a few screens"

    page.get_by_role("link", name=cast.hackney.coach.full_name).click()
    page.get_by_role("link", name=re.compile("Next")).click()
    assert f"coach={cast.hackney.coach.pk}&page=2" in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(cast.hackney.coach.full_name)
    expect(cards.first).to_contain_text(cast.hackney.coach.full_name)
    assert_accessible(page)
