"""Finding a young person from the header box (C9), on a phone and on a desktop, with axe on
each page: type part of a name spelt another way, open the one meant."""

from __future__ import annotations

from datetime import date

import pytest

from cases.models import YoungPerson
from tests.conftest import allocated_case
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_coach_finds_a_young_person_from_the_header_and_opens_them(
    cast, live_server, page, width
):
    page.set_viewport_size({"width": width, "height": 900})
    coach = cast.hackney.coach
    wanted = allocated_case(cast.hackney, given="Muhammad", family="Rahman").young_person
    YoungPerson.objects.filter(pk=wanted.pk).update(
        preferred_name="Mo", date_of_birth=date(2012, 3, 14)
    )
    namesake = allocated_case(cast.hackney, given="Mohammed", family="Rahman").young_person
    allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Mohamed", family="Rahman")

    sign_in(page, live_server, coach)
    assert_accessible(page)  # the home page, with the box in its header
    box = page.get_by_role("search").get_by_label("Find a young person")
    box.fill("Mohammed Rahman")
    box.press("Enter")
    page.wait_for_url(f"{live_server.url}/search/")
    assert "Rahman" not in page.url
    results = page.get_by_test_id("search-results")
    assert page.get_by_test_id("result-count").inner_text() == "2 results"
    # Both namesakes, told apart without opening either; the colleague's is not there.
    text = results.inner_text()
    assert wanted.reference in text and namesake.reference in text
    assert "14 March 2012" in text and "known as Mo" in text
    assert_accessible(page)

    # Narrow by the date of birth, from the page's own box.
    page.get_by_label("Find a young person").fill("Rahman 14/03/2012")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"{live_server.url}/search/")
    assert page.get_by_test_id("result-count").inner_text() == "1 result"
    assert_accessible(page)

    page.get_by_test_id("search-results").get_by_role("link", name="Muhammad Rahman").click()
    page.wait_for_url(f"{live_server.url}/young-people/{wanted.pk}/")
    assert wanted.reference in page.content()
    assert_accessible(page)


def test_a_search_that_cannot_be_done_says_why_accessibly(cast, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, cast.hackney.supervisor)
    box = page.get_by_role("search").get_by_label("Find a young person")
    box.fill("31/02/2012")
    box.press("Enter")
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page)
