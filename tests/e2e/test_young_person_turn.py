"""The young person's turn on a phone (S7): the coach hands the phone over, the young person
rates their feelings and goals on large scales, gives it back, and the record stays hidden
(Back included) until the coach enters their password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import FlagCategory, FlagLevel
from cases.services import flag_raise
from outcomes import services
from tests.conftest import PASSWORD, allocated_case, logged_session
from tests.e2e.conftest import assert_accessible, choose_score, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_the_young_person_rates_their_own_goals_and_the_coach_takes_the_phone_back(
    page, live_server, cast, viewport
):
    episode = allocated_case(cast.hackney, given="Rileigh", family="Oakenshaw")
    yp = episode.young_person
    yp.preferred_name = "Riley"
    yp.save(update_fields=["preferred_name"])
    logged_session(episode, notes="Talked about the fight at the bus stop")
    flag_raise(
        actor=cast.hackney.coach,
        episode=episode,
        category=FlagCategory.OTHER,
        level=FlagLevel.LOW,
        summary="Older brother involved with a group",
        review_on=timezone.localdate() + timedelta(days=7),
    )
    for text in ("Stay out of fights", "Go to school every day"):
        services.goal_set(
            actor=cast.hackney.coach,
            episode=episode,
            description=text,
            agreed_on=timezone.localdate(),
            first_score=3,
        )

    page.set_viewport_size(viewport)
    sign_in(page, live_server, cast.hackney.coach)
    record_url = f"{live_server.url}/young-people/{yp.pk}/"
    page.goto(record_url)
    page.get_by_role("button", name="Hand the phone to Riley").click()

    # The young person's screen: their goals and the feelings scale, nothing else.
    expect(page).to_have_title("Your goals – Your Choice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Over to you, Riley")
    assert_accessible(page)
    html = page.content()
    for secret in (
        yp.reference,
        "Oakenshaw",
        "Rileigh",
        yp.date_of_birth.isoformat(),
        f"{yp.date_of_birth:%-d %B %Y}",
        cast.hackney.coach.full_name,
        "Talked about the fight",
        "Older brother",
    ):
        assert secret not in html, secret
    assert page.locator("main a").count() == 0
    box = page.get_by_role("group", name="How are you feeling right now?").locator(
        ".app-scale__label"
    )
    size = box.first.bounding_box()
    assert size["width"] >= 48 and size["height"] >= 48

    choose_score(page, "How are you feeling right now?", 6)
    choose_score(page, "\u201cStay out of fights\u201d", 5)
    choose_score(page, "\u201cGo to school every day\u201d", 7)
    page.get_by_role("button", name="I\u2019ve finished, give the phone back").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Give the phone back to your coach")
    assert_accessible(page)

    # Back, however far, never shows the record: the lock or the hand-over screen answers.
    for _ in range(3):
        page.go_back()
        assert page.url != record_url
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Rileigh Oakenshaw")
        assert "Oakenshaw" not in page.content()
    page.goto(record_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your password to carry on")
    assert_accessible(page)

    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Carry on", exact=True).click()
    expect(page.get_by_role("link", name="The password is not right")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Carry on", exact=True).click()
    page.wait_for_url(record_url)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Riley rated: feeling 6; goals 5, 7")
    expect(timeline).to_contain_text("Their own rating")
