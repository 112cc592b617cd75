"""The young person's page tells the whole story: every episode, the current one first, and a
timeline that shows flags as raised and every change since, and who held the case (C3, C7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from outcomes import services as outcome_services
from tests.cases.test_record_follows_current_case import close, re_referral
from tests.conftest import allocated_case, logged_session

pytestmark = pytest.mark.django_db


def page_for(client, young_person_id):
    response = client.get(reverse("cases:young-person", args=[young_person_id]))
    assert response.status_code == 200
    return response


def test_after_a_re_referral_the_page_still_shows_the_earlier_case(cast, client_for):
    hackney = cast.hackney
    first = allocated_case(hackney)
    outcome_services.goal_set(
        actor=hackney.coach,
        episode=first,
        description="Walk away from fights",
        agreed_on=timezone.localdate() - timedelta(days=20),
        first_score=2,
    )
    logged_session(first, days_ago=10, duration_minutes=45)
    close(hackney, first)
    re_referral(hackney, first.young_person, hackney.coach2)

    response = page_for(client_for(hackney.coach2), first.young_person_id)
    page = response.context["page"]
    assert page.episode.pk != first.pk  # the current case comes first
    assert [case.episode.pk for case in page.earlier] == [first.pk]
    earlier = page.earlier[0]
    assert earlier.sessions_attended == 1
    assert [v.goal.description for v in earlier.goals] == ["Walk away from fights"]
    html = response.content.decode()
    assert "Earlier cases" in html
    assert "Walk away from fights" in html
    assert "Planned ending" in html
    assert html.index("Current case") < html.index("Earlier cases")


def test_the_timeline_shows_a_flag_as_raised_then_each_review_and_its_resolution(cast, client_for):
    hackney = cast.hackney
    episode = allocated_case(hackney)
    flag = case_services.flag_raise(
        actor=hackney.coach,
        episode=episode,
        category="violence",
        level="high",
        summary="Threatened at the bus stop",
        review_on=timezone.localdate() + timedelta(days=7),
    )
    case_services.flag_review(
        actor=hackney.supervisor,
        flag=flag,
        version=flag.version,
        level="medium",
        review_on=timezone.localdate() + timedelta(days=14),
    )
    case_services.flag_resolve(actor=hackney.coach, flag=flag, resolution="Moved school")

    timeline = page_for(client_for(hackney.coach), episode.young_person_id).context["page"].timeline
    titles = [entry.title for entry in timeline]
    assert "High flag raised: risk of violence" in titles
    assert "Medium flag raised: risk of violence" not in titles
    review = next(e for e in timeline if e.title == "Flag reviewed: risk of violence")
    assert review.detail.startswith("From high to medium; next review by")
    assert "Flag resolved: risk of violence" in titles
    # Newest first: resolved, reviewed, raised.
    flag_titles = [t for t in titles if "flag" in t.lower()]
    assert flag_titles == [
        "Flag resolved: risk of violence",
        "Flag reviewed: risk of violence",
        "High flag raised: risk of violence",
    ]


def test_the_timeline_shows_allocations_reallocations_and_transfers(cast, client_for):
    hackney, southwark = cast.hackney, cast.southwark
    episode = allocated_case(hackney, coach=hackney.coach)
    case_services.episode_allocate(
        actor=hackney.lead, episode=episode, coach=hackney.coach2, team=hackney.team
    )
    case_services.episode_transfer(
        actor=hackney.lead, episode=episode, to_authority=southwark.authority
    )
    titles = [
        entry.title
        for entry in page_for(client_for(southwark.lead), episode.young_person_id)
        .context["page"]
        .timeline
    ]
    assert titles.index("Case transferred to Southwark") < titles.index(
        "Reallocated to Hackney Second Coach"
    )
    assert titles.index("Reallocated to Hackney Second Coach") < titles.index(
        "Allocated to Hackney Coach"
    )
    # Each step said once: no "Case allocated" beside who it went to, no "Case referred"
    # beside the transfer; the referral itself is still there.
    assert "Case allocated" not in titles
    assert titles.count("Case referred") == 1
    assert titles[-1] == "Case referred"
