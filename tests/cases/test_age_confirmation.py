"""A mistyped date of birth does not close a referral unseen: when age is the only reason a
referral is not eligible the date is confirmed first, and a borough lead can correct the date on
a referral that was not taken on and have it checked again (C1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Episode, EpisodeStatus, EpisodeStatusChange, YoungPerson
from tests.cases.test_intake_pages import referral_data
from tests.conftest import referral
from yourchoice.data.errors import AgeToConfirm, DomainError, StaleVersion
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

CONFIRM = "Yes, the date of birth is right"


def _years_ago(years: int) -> str:
    return (timezone.localdate() - timedelta(days=years * 365 + 30)).isoformat()


def test_referral_with_only_an_age_problem_asks_to_confirm_the_date_of_birth(cast, client_for):
    client = client_for(cast.hackney.lead)
    url = reverse("cases:referral-new")
    asked = client.post(url, referral_data(cast, date_of_birth=_years_ago(9)))

    assert asked.status_code == 400
    body = asked.content.decode()
    assert CONFIRM in body and "The young person was 9 when referred" in body
    form = asked.context["form"]
    assert "date_of_birth" in form.errors  # the date comes back highlighted
    assert list(form.fields).index("confirm_date_of_birth") == (
        list(form.fields).index("date_of_birth") + 1
    )
    assert 'value="Jordan"' in body  # what was typed is kept
    assert not YoungPerson.objects.exists()
    assert not Episode.objects.exists()

    confirmed = client.post(
        url, referral_data(cast, date_of_birth=_years_ago(9), confirm_date_of_birth="on")
    )
    assert confirmed.status_code == 302
    episode = Episode.objects.get()
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    assert episode.referral.ineligible_reasons[0].startswith("The young person was 9")


def test_correcting_the_date_when_asked_records_an_eligible_referral(cast, client_for):
    client = client_for(cast.hackney.lead)
    url = reverse("cases:referral-new")
    client.post(url, referral_data(cast, date_of_birth=_years_ago(9)))
    corrected = client.post(url, referral_data(cast, date_of_birth=_years_ago(14)))
    assert corrected.status_code == 302
    assert Episode.objects.get().status == EpisodeStatus.REFERRED


def test_a_referral_with_another_problem_besides_age_is_recorded_without_asking(cast, client_for):
    response = client_for(cast.hackney.lead).post(
        reverse("cases:referral-new"),
        referral_data(cast, date_of_birth=_years_ago(9), consent_given=""),
    )
    assert response.status_code == 302
    assert Episode.objects.get().status == EpisodeStatus.NOT_TAKEN_ON


def test_the_service_saves_nothing_for_an_age_only_problem_until_the_date_is_confirmed(cast):
    """Every channel (page, API, import) calls this service, so each must confirm."""
    today = timezone.localdate()
    values = dict(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        details=services.YoungPersonDetails(
            given_name="Ada", family_name="Example", date_of_birth=today - timedelta(days=3650)
        ),
        referrer_name="Referrer",
        referrer_organisation="Social care",
        received_on=today,
        panel_date=today,
        risk_level="high",
        harms=["weapons"],
        consent_given=True,
    )
    with pytest.raises(AgeToConfirm) as refused:
        services.referral_create(**values)
    assert set(refused.value.errors) == {"date_of_birth"}
    assert not YoungPerson.objects.exists()
    episode = services.referral_create(**values, date_of_birth_confirmed=True)
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON


def test_lead_can_reassess_a_not_taken_on_referral_after_correcting_the_date_of_birth(
    cast, client_for
):
    episode = referral(cast.hackney, age=9)  # mistyped: really 14
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    young_person = episode.young_person
    client = client_for(cast.hackney.lead)
    page = client.get(reverse("cases:young-person", args=[young_person.pk])).content.decode()
    url = reverse("cases:referral-reassess", args=[young_person.pk])
    assert url in page

    form = client.get(url)
    assert form.status_code == 200
    assert "The young person was 9 when referred" in form.content.decode()
    corrected = episode.referred_on - timedelta(days=14 * 365 + 30)
    response = client.post(
        url,
        {
            "date_of_birth": corrected.isoformat(),
            "version": young_person.version,
            "loaded": form.context["form"].initial["loaded"],
        },
    )
    assert response.status_code == 302

    episode.refresh_from_db()
    young_person.refresh_from_db()
    assert young_person.date_of_birth == corrected
    assert episode.status == EpisodeStatus.REFERRED
    assert episode.closed_on is None and episode.ending_reason == ""
    assert episode.referral.eligible and episode.referral.ineligible_reasons == []
    change = EpisodeStatusChange.objects.filter(episode=episode).latest("pk")
    assert (change.from_status, change.to_status, change.changed_by) == (
        EpisodeStatus.NOT_TAKEN_ON,
        EpisodeStatus.REFERRED,
        cast.hackney.lead,
    )
    event = AuditEvent.objects.get(action="referral.reassess")
    assert event.actor_id == cast.hackney.lead.pk and event.young_person_id == young_person.pk
    assert event.detail == {
        "fields": ["date_of_birth"],
        "before": {"status": "not_taken_on", "eligible": False, "age": 9},
        "after": {"status": "referred", "eligible": True, "age": 14},
    }
    assert corrected.isoformat() not in str(event.detail)  # the date itself stays out
    # The case now waits for allocation, like any eligible referral.
    services.episode_allocate(
        actor=cast.hackney.lead, episode=episode, coach=cast.hackney.coach, team=cast.hackney.team
    )


def test_a_date_still_out_of_range_keeps_the_referral_not_taken_on(cast):
    episode = referral(cast.hackney, age=9)
    young_person = episode.young_person
    still_young = episode.referred_on - timedelta(days=10 * 365 + 30)
    services.referral_reassess(
        actor=cast.hackney.lead,
        episode=episode,
        version=young_person.version,
        date_of_birth=still_young,
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    assert episode.referral.ineligible_reasons[0].startswith("The young person was 10")
    young_person.refresh_from_db()
    assert young_person.date_of_birth == still_young


def test_a_referral_not_taken_on_for_another_reason_stays_not_taken_on(cast):
    episode = referral(cast.hackney, age=9, consent=False)
    services.referral_reassess(
        actor=cast.hackney.lead,
        episode=episode,
        version=episode.young_person.version,
        date_of_birth=episode.referred_on - timedelta(days=14 * 365),
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    assert episode.referral.ineligible_reasons == ["The young person has not agreed to take part."]


def test_reassessment_is_refused_from_a_stale_page_and_for_an_impossible_date(cast):
    episode = referral(cast.hackney, age=9)
    with pytest.raises(StaleVersion):
        services.referral_reassess(
            actor=cast.hackney.lead,
            episode=episode,
            version=episode.young_person.version + 1,
            date_of_birth=episode.referred_on - timedelta(days=14 * 365),
        )
    with pytest.raises(DomainError) as refused:
        services.referral_reassess(
            actor=cast.hackney.lead,
            episode=episode,
            version=episode.young_person.version,
            date_of_birth=episode.referred_on + timedelta(days=1),
        )
    assert set(refused.value.errors) == {"date_of_birth"}
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    assert not AuditEvent.objects.filter(action="referral.reassess").exists()


def test_a_referral_that_was_taken_on_has_nothing_to_reassess(cast, client_for):
    episode = referral(cast.hackney)
    with pytest.raises(DomainError):
        services.referral_reassess(
            actor=cast.hackney.lead,
            episode=episode,
            version=episode.young_person.version,
            date_of_birth=episode.young_person.date_of_birth,
        )
    response = client_for(cast.hackney.lead).get(
        reverse("cases:referral-reassess", args=[episode.young_person_id])
    )
    assert response.status_code == 302


def test_an_earlier_referral_cannot_be_taken_on_once_the_young_person_is_referred_again(cast):
    """Only the young person's current episode can become open again (docs/access.md)."""
    from tests.cases.test_record_follows_current_case import re_referral

    earlier = referral(cast.hackney, age=9, consent=False)
    young_person = earlier.young_person
    young_person.date_of_birth = earlier.referred_on - timedelta(days=14 * 365)
    young_person.save(update_fields=["date_of_birth"])
    re_referral(cast.hackney, young_person, cast.hackney.coach)
    young_person.refresh_from_db()
    with pytest.raises(DomainError, match="referred again since"):
        services.referral_reassess(
            actor=cast.hackney.lead,
            episode=earlier,
            version=young_person.version,
            date_of_birth=young_person.date_of_birth,
        )
