"""Told in time, at a phone's width (X10): a supervisor raises a flag on a coach's case; the
coach sees the count in the header, opens the notification, and it leads to the case. And
break-glass (X9): a supervisor elsewhere opens the record by its reference and every page says
so; the owning borough lead reviews the use. Every page is checked with axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import allocated_case
from tests.e2e.conftest import PHONE, assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_a_flag_raised_by_the_supervisor_reaches_the_coach_in_time(cast, live_server, page):
    page.set_viewport_size(PHONE)
    episode = allocated_case(
        cast.hackney,
        given="Riley",
        family="Example",
        received_on=timezone.localdate() - timedelta(days=30),
    )
    reference = episode.young_person.reference

    sign_in(page, live_server, cast.hackney.supervisor)
    page.goto(f"{live_server.url}/young-people/{episode.young_person_id}/")
    page.get_by_role("link", name="Raise a flag").click()
    page.get_by_label("Exploitation").check()
    page.get_by_label("High").check()
    page.get_by_label("What is the concern?").fill("Seen with older young people at the station")
    page.get_by_role("button", name="Raise flag").click()
    expect(page.get_by_text("Flag raised.")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, cast.hackney.coach)
    # Allocated, then the flag: two new.
    expect(page.get_by_test_id("header-notifications-count")).to_have_text("2 new")
    assert_accessible(page)
    page.get_by_test_id("header-notifications").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"A flag has been raised on {reference}").click()
    expect(page.get_by_role("heading", name="Riley Example")).to_be_visible()
    expect(page.get_by_test_id("header-notifications-count")).to_have_text("1 new")
    assert_accessible(page)

    page.get_by_test_id("header-notifications").click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_test_id("header-notifications-count")).to_have_count(0)
    page.get_by_role("link", name="Choose what you are emailed about").click()
    assert_accessible(page)
    page.get_by_label("A flag is raised on your case").check()
    page.get_by_role("button", name="Save your choices").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()


def test_break_glass_from_another_borough_is_said_on_the_page_and_reviewed(cast, live_server, page):
    page.set_viewport_size(PHONE)
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    reference = episode.young_person.reference

    sign_in(page, live_server, cast.southwark.supervisor)
    page.goto(f"{live_server.url}/search/")
    page.get_by_role("link", name="read a young person's record outside your reach").click()
    assert_accessible(page)
    page.get_by_label("The young person's reference").fill(reference)
    page.get_by_label("Why you need their record now").fill("In crisis at our youth centre")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name="Riley Example")).to_be_visible()
    expect(page.get_by_test_id("break-glass-banner")).to_contain_text("break-glass access until")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, live_server, cast.hackney.lead)
    page.get_by_role("link", name="Break-glass uses").click()
    use = page.get_by_test_id("break-glass-use")
    expect(use).to_contain_text(cast.southwark.supervisor.full_name)
    expect(use).to_contain_text(reference)
    assert_accessible(page)
    use.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Marked as reviewed.")).to_be_visible()
    expect(page.get_by_test_id("break-glass-use")).to_contain_text("Reviewed")
