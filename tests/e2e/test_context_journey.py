"""A coach links a young person to a place on a phone; after a flag on a young person linked to
it, the supervisor sees the place on the caseload review (C10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from tests.conftest import allocated_case
from tests.e2e.conftest import PHONE, assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coach_links_a_young_person_to_a_place_and_the_supervisor_sees_it_after_a_flag(
    cast, live_server, page, browser
):
    page.set_viewport_size(PHONE)
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    colleague = allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Jordan")
    sign_in(page, live_server, cast.hackney.coach)
    page.goto(f"{live_server.url}/young-people/{episode.young_person_id}/")
    page.get_by_test_id("link-context").click()
    expect(page.get_by_test_id("no-contexts")).to_be_visible()
    assert_accessible(page)

    page.get_by_test_id("context-new-link").click()
    page.get_by_label("Place", exact=True).check()
    page.get_by_label("Name", exact=True).fill("Northwold Estate")
    page.get_by_label("What is known about it (optional)").fill("The stairwells behind the shops")
    page.get_by_label("Why are they linked to it?").fill("Seen there most evenings")
    assert_accessible(page)
    page.get_by_role("button", name="Record and link").click()

    expect(page.get_by_role("heading", name="Northwold Estate")).to_be_visible()
    expect(page.get_by_test_id("context-links")).to_contain_text("Riley Example")
    assert_accessible(page)  # at 390 px: nothing scrolls sideways either

    # The borough lead links the colleague's young person; the coach sees only a count of them.
    from cases.contexts.models import Context
    from cases.contexts.services import context_link

    context = Context.objects.get(name="Northwold Estate")
    context_link(
        actor=cast.hackney.lead,
        context=context,
        young_person=colleague.young_person,
        reason="Named the estate",
        known_from=timezone.localdate(),
    )
    page.reload()
    expect(page.get_by_test_id("context-outside")).to_contain_text(
        "And 1 young person in your authority outside the cases you work with."
    )
    expect(page.get_by_text("Jordan")).to_have_count(0)

    page.goto(f"{live_server.url}/young-people/{episode.young_person_id}/")
    expect(page.get_by_test_id("contexts")).to_contain_text("Northwold Estate")

    case_services.flag_raise(
        actor=cast.hackney.coach2,
        episode=colleague,
        category="violence",
        level="high",
        summary="Threatened on the estate",
        review_on=timezone.localdate() + timedelta(days=7),
    )
    supervisor = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    sign_in(supervisor, live_server, cast.hackney.supervisor)
    supervisor.get_by_role("link", name="Caseload review").click()
    concern = supervisor.get_by_test_id("review-contexts")
    expect(concern).to_contain_text("Northwold Estate")
    expect(concern).to_contain_text("1 young person with new or raised flags")
    assert_accessible(supervisor)
    concern.get_by_role("link", name="Northwold Estate").click()
    expect(supervisor.get_by_test_id("context-links")).to_contain_text("Riley Example")
    expect(supervisor.get_by_test_id("context-links")).to_contain_text("Jordan")
    assert_accessible(supervisor)
