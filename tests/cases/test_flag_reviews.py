"""Reviewing and resolving a flag when the coach, the supervisor and the borough lead may all
have it open: a stale review is refused and shown what changed; a second resolution is told
whose stands. Nothing is written over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import RiskFlag
from tests.conftest import allocated_case
from tests.forms import submitted
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(cast) -> RiskFlag:
    return services.flag_raise(
        actor=cast.hackney.coach,
        episode=allocated_case(cast.hackney),
        category="exploitation",
        level="medium",
        summary="Seen with older men.",
        review_on=timezone.localdate() + timedelta(days=14),
    )


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def test_a_review_changes_level_and_date_and_is_audited_by_field(cast, flag):
    reviewed = services.flag_review(
        actor=cast.hackney.supervisor, flag=flag, version=1, level="high", review_on=in_days(3)
    )
    assert (reviewed.level, reviewed.review_on, reviewed.version) == ("high", in_days(3), 2)
    event = AuditEvent.objects.get(action="flag.review")
    assert event.detail == {"fields": ["level", "review_on"], "version": 2}


def test_a_stale_review_is_refused(cast, flag):
    services.flag_review(
        actor=cast.hackney.supervisor, flag=flag, version=1, level="high", review_on=in_days(14)
    )
    with pytest.raises(StaleVersion) as refused:
        services.flag_review(
            actor=cast.hackney.coach, flag=flag, version=1, level="low", review_on=in_days(30)
        )
    assert refused.value.changed_by == cast.hackney.supervisor.full_name
    flag.refresh_from_db()
    assert (flag.level, flag.review_on) == ("high", in_days(14))


def test_a_review_date_in_the_past_is_refused(cast, flag):
    with pytest.raises(DomainError) as refused:
        services.flag_review(
            actor=cast.hackney.coach, flag=flag, version=1, level="low", review_on=in_days(-1)
        )
    assert "review_on" in refused.value.errors


def test_a_second_resolution_is_told_whose_stands(cast, flag):
    services.flag_resolve(actor=cast.hackney.lead, flag=flag, resolution="Referred to MASH.")
    with pytest.raises(StaleVersion) as refused:
        services.flag_resolve(actor=cast.hackney.coach, flag=flag, resolution="Spoke to mum.")
    assert f"{cast.hackney.lead.full_name} resolved this flag" in str(refused.value)
    flag.refresh_from_db()
    assert flag.resolution == "Referred to MASH." and flag.version == 2
    # A review opened before the resolution is stale now, too.
    with pytest.raises(StaleVersion):
        services.flag_review(
            actor=cast.hackney.coach, flag=flag, version=1, level="low", review_on=in_days(1)
        )


def test_the_review_page_answers_409_with_what_changed_and_keeps_input(cast, client_for, flag):
    url = reverse("cases:flag-review", args=[flag.pk])
    coach, lead = client_for(cast.hackney.coach), client_for(cast.hackney.lead)
    coachs_form = submitted(coach.get(url).content)
    leads_form = submitted(lead.get(url).content)
    assert coachs_form["level"] == "medium" and coachs_form["version"] == "1"

    later = in_days(7).isoformat()
    assert lead.post(url, {**leads_form, "review_on": later}).status_code == 302
    response = coach.post(url, {**coachs_form, "level": "high"})
    assert response.status_code == 409
    body = response.content.decode()
    review_was = f"{in_days(14):%-d %B %Y}"
    review_now = f"{in_days(7):%-d %B %Y}"
    assert (
        f"Review by: was \u2018{review_was}\u2019, now \u2018{review_now}\u2019. "
        "The form now shows the new value." in body
    )
    again = submitted(body)
    sooner = in_days(7)
    shown = (again["review_on_day"], again["review_on_month"], again["review_on_year"])
    assert (again["level"], shown, again["version"]) == (
        "high",
        (str(sooner.day), str(sooner.month), str(sooner.year)),
        "2",
    )
    flag.refresh_from_db()
    assert flag.level == "medium"
    assert coach.post(url, again).status_code == 302
    flag.refresh_from_db()
    assert (flag.level, flag.review_on.isoformat(), flag.version) == ("high", later, 3)


def test_the_resolve_page_answers_409_and_keeps_the_words(cast, client_for, flag):
    url = reverse("cases:flag-resolve", args=[flag.pk])
    services.flag_resolve(actor=cast.hackney.supervisor, flag=flag, resolution="Closed at panel.")
    response = client_for(cast.hackney.coach).post(url, {"resolution": "Spoke to mum."})
    assert response.status_code == 409
    body = response.content.decode()
    assert f"{cast.hackney.supervisor.full_name} resolved this flag" in body
    assert "Spoke to mum." in body


def test_the_young_persons_page_links_to_the_review(cast, client_for, flag):
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("cases:young-person", args=[flag.episode.young_person_id]))
        .content.decode()
    )
    assert reverse("cases:flag-review", args=[flag.pk]) in body
