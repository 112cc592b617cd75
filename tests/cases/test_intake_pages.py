"""A borough lead records referrals, sees likely duplicates, allocates, transfers (C1, C2, C5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Allocation, Episode, EpisodeStatus, YoungPerson
from tests.conftest import allocated_case, referral

pytestmark = pytest.mark.django_db


def referral_data(cast, **overrides):
    today = timezone.localdate()
    data = {
        "authority": cast.hackney.authority.pk,
        "given_name": "Jordan",
        "family_name": "Example",
        "date_of_birth": (today - timedelta(days=14 * 365)).isoformat(),
        "gender": "male",
        "ethnicity": "black_caribbean",
        "special_needs": "none",
        "looked_after": "no",
        "education_status": "mainstream",
        "youth_justice": "none",
        "referrer_name": "A Social Worker",
        "referrer_organisation": "Children's social care",
        "received_on": today.isoformat(),
        "panel_date": (today - timedelta(days=1)).isoformat(),
        "risk_level": "high",
        "harms": ["serious_violence", "weapons"],
        "consent_given": "on",
    }
    data.update(overrides)
    return data


def test_lead_records_an_eligible_referral(cast, client_for):
    client = client_for(cast.hackney.lead)
    response = client.post(reverse("cases:referral-new"), referral_data(cast))
    assert response.status_code == 302
    young_person = YoungPerson.objects.get(family_name="Example")
    assert young_person.reference.startswith("YC-E09000012-")
    page = client.get(response["Location"]).content.decode()
    assert "Referral recorded. Allocate it to a coach" in page


def test_ineligible_referral_says_why_in_plain_english(cast, client_for):
    client = client_for(cast.hackney.lead)
    too_old = (timezone.localdate() - timedelta(days=19 * 365)).isoformat()
    response = client.post(
        reverse("cases:referral-new"),
        referral_data(cast, date_of_birth=too_old, confirm_date_of_birth="on"),
    )
    page = client.get(response["Location"]).content.decode()
    assert "not eligible" in page and "Your Choice is for ages 11 to 17" in page
    assert Episode.objects.get().status == EpisodeStatus.NOT_TAKEN_ON


def test_missing_fields_are_named_and_typed_values_kept(cast, client_for):
    response = client_for(cast.hackney.lead).post(
        reverse("cases:referral-new"), referral_data(cast, harms=[], referrer_name="")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        "Choose at least one harm of concern" in body
        and "Enter who referred the young person" in body
    )
    assert 'value="Jordan"' in body


def test_a_likely_duplicate_is_shown_before_anyone_is_created(cast, client_for):
    existing = referral(cast.hackney, given="Jordan", family="Example", age=14)
    dob = existing.young_person.date_of_birth.isoformat()
    client = client_for(cast.hackney.lead)
    first = client.post(reverse("cases:referral-new"), referral_data(cast, date_of_birth=dob))
    assert first.status_code == 200
    assert existing.young_person.reference in first.content.decode()
    assert YoungPerson.objects.count() == 1
    # Choosing the existing young person while their case is open is refused plainly.
    same = client.post(
        reverse("cases:referral-new"),
        referral_data(cast, date_of_birth=dob, same_as=str(existing.young_person_id)),
    )
    assert same.status_code == 400 and "already has an open case" in same.content.decode()
    different = client.post(
        reverse("cases:referral-new"), referral_data(cast, date_of_birth=dob, same_as="new")
    )
    assert different.status_code == 302
    assert YoungPerson.objects.count() == 2


def test_lead_allocates_and_reallocates(cast, client_for):
    episode = referral(cast.hackney)
    client = client_for(cast.hackney.lead)
    url = reverse("cases:allocate", args=[episode.young_person_id])
    form = client.get(url)
    options = {m.user for m in form.context["form"].fields["membership"].queryset}
    assert options == {cast.hackney.coach, cast.hackney.coach2}  # only this authority's coaches
    coach_membership = cast.hackney.coach.memberships.get()
    assert client.post(url, {"membership": coach_membership.pk}).status_code == 302
    episode.refresh_from_db()
    assert episode.coach == cast.hackney.coach and episode.status == EpisodeStatus.ALLOCATED
    other = cast.hackney.coach2.memberships.get()
    client.post(url, {"membership": other.pk})
    kinds = list(Allocation.objects.filter(episode=episode).values_list("kind", flat=True))
    assert kinds == ["allocated", "reallocated"]


def test_a_coach_from_another_authority_cannot_be_chosen(cast, client_for):
    episode = referral(cast.hackney)
    response = client_for(cast.hackney.lead).post(
        reverse("cases:allocate", args=[episode.young_person_id]),
        {"membership": cast.southwark.coach.memberships.get().pk},
    )
    assert response.status_code == 400


def test_transfer_moves_the_case_and_its_history_to_the_new_authority(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.lead)
    response = client.post(
        reverse("cases:transfer", args=[episode.young_person_id]),
        {"authority": cast.southwark.authority.pk},
    )
    assert response.status_code == 302
    page_url = reverse("cases:young-person", args=[episode.young_person_id])
    assert client.get(page_url).status_code == 404  # Hackney no longer reaches it
    assert client_for(cast.hackney.coach).get(page_url).status_code == 404
    southwark = client_for(cast.southwark.lead)
    assert southwark.get(page_url).status_code == 200
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.REFERRED and episode.coach is None
    assert episode.young_person.reference.startswith("YC-E09000012-")  # the reference never changes
    kinds = list(Allocation.objects.filter(episode=episode).values_list("kind", flat=True))
    assert kinds == ["allocated", "transferred"]
    southwark.post(
        reverse("cases:allocate", args=[episode.young_person_id]),
        {"membership": cast.southwark.coach.memberships.get().pk},
    )
    assert client_for(cast.southwark.coach).get(page_url).status_code == 200
