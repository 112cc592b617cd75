"""The young person's record is seen by whoever holds their current case, and by nobody else
(docs/access.md). After a transfer, or a re-referral allocated to someone else, the people who
held only an earlier case see nothing: not the profile, the key contacts the new holder adds,
the timeline, the API or the subject access export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Episode, YoungPerson
from cases.profile import services as profile_services
from tests.api.test_api import bearer
from tests.conftest import allocated_case, project_apps

pytestmark = pytest.mark.django_db

NEW_CARER_PHONE = "07700 900123"


def close(place, episode: Episode) -> None:
    assert episode.coach is not None
    request = case_services.closure_request(
        actor=episode.coach, episode=episode, ending_reason="planned", summary="Goals met."
    )
    case_services.closure_decide(actor=place.supervisor, closure=request, approve=True)


def re_referral(place, young_person: YoungPerson, coach) -> Episode:
    episode = case_services.referral_create(
        actor=place.lead,
        authority=place.authority,
        details=case_services.YoungPersonDetails(
            given_name=young_person.given_name,
            family_name=young_person.family_name,
            date_of_birth=young_person.date_of_birth,
        ),
        referrer_name="Referrer",
        referrer_organisation="Youth offending service",
        received_on=episode_day(),
        panel_date=episode_day(),
        risk_level="high",
        harms=["serious_violence"],
        consent_given=True,
        existing_young_person=young_person,
    )
    return case_services.episode_allocate(
        actor=place.lead, episode=episode, coach=coach, team=place.team
    )


def episode_day():
    return timezone.localdate()


def transferred_after_an_earlier_case(cast) -> YoungPerson:
    """Hackney worked with the young person, closed, took them on again, then transferred them
    to Southwark, whose lead records the new carer."""
    hackney, southwark = cast.hackney, cast.southwark
    first = allocated_case(hackney)
    close(hackney, first)
    second = re_referral(hackney, first.young_person, hackney.coach)
    case_services.episode_transfer(
        actor=hackney.lead, episode=second, to_authority=southwark.authority
    )
    young_person = YoungPerson.objects.get(pk=first.young_person_id)
    profile_services.key_contact_add(
        actor=southwark.lead,
        young_person=young_person,
        name="New Carer",
        relationship="foster carer",
        phone=NEW_CARER_PHONE,
    )
    return young_person


def test_sending_authority_cannot_see_contacts_added_after_transfer(cast, client_for):
    young_person = transferred_after_an_earlier_case(cast)
    hackney = cast.hackney
    for person in (hackney.lead, hackney.coach, hackney.supervisor):
        page = client_for(person).get(reverse("cases:young-person", args=[young_person.pk]))
        assert page.status_code == 404, person
        api = bearer(cast, person)
        detail = api.get(reverse("api:young-person-detail", args=[young_person.pk]))
        assert detail.status_code == 404, person
        listed = api.get(reverse("api:young-person-list")).json()["results"]
        assert young_person.pk not in [row["id"] for row in listed]
        episodes = api.get(reverse("api:episode-list")).json()["results"]
        assert young_person.reference not in [row["reference"] for row in episodes]
    export = client_for(hackney.lead).get(
        reverse("cases:subject-access-download", args=[young_person.pk, "json"])
    )
    assert export.status_code == 404
    # The receiving authority sees the whole record, the new carer and the earlier case too.
    page = client_for(cast.southwark.lead).get(
        reverse("cases:young-person", args=[young_person.pk])
    )
    assert page.status_code == 200
    assert NEW_CARER_PHONE in page.content.decode()
    assert len(page.context["page"].episodes) == 2


def test_sending_authority_cannot_export_what_the_receiver_recorded(cast, client_for):
    young_person = transferred_after_an_earlier_case(cast)
    export = client_for(cast.southwark.lead).get(
        reverse("cases:subject-access-download", args=[young_person.pk, "json"])
    )
    assert export.status_code == 200
    assert NEW_CARER_PHONE in export.content.decode()
    for fmt in ("json", "pdf"):
        refused = client_for(cast.hackney.lead).get(
            reverse("cases:subject-access-download", args=[young_person.pk, fmt])
        )
        assert refused.status_code == 404


def test_a_coach_whose_case_was_re_referred_to_a_colleague_no_longer_sees_the_record(
    cast, client_for
):
    hackney = cast.hackney
    first = allocated_case(hackney, coach=hackney.coach)
    close(hackney, first)
    young_person = first.young_person
    re_referral(hackney, young_person, hackney.coach2)
    profile_services.key_contact_add(
        actor=hackney.coach2,
        young_person=young_person,
        name="New Carer",
        relationship="aunt",
        phone=NEW_CARER_PHONE,
    )
    old = client_for(hackney.coach).get(reverse("cases:young-person", args=[young_person.pk]))
    assert old.status_code == 404
    assert (
        bearer(cast, hackney.coach)
        .get(reverse("api:young-person-detail", args=[young_person.pk]))
        .status_code
        == 404
    )
    assert Episode.objects.visible_to(hackney.coach).count() == 0
    new = client_for(hackney.coach2).get(reverse("cases:young-person", args=[young_person.pk]))
    assert new.status_code == 200
    assert NEW_CARER_PHONE in new.content.decode()


def test_nobody_may_change_an_earlier_case_unless_they_hold_the_current_one(cast):
    from accounts import access
    from accounts.access import Perm

    hackney = cast.hackney
    first = allocated_case(hackney, coach=hackney.coach)
    close(hackney, first)
    re_referral(hackney, first.young_person, hackney.coach2)
    earlier = Episode.objects.get(pk=first.pk)
    assert not earlier.is_current
    assert not access.can(hackney.coach, Perm.CASE_READ, earlier)
    assert access.can(hackney.lead, Perm.CASE_READ, earlier)


def test_each_young_person_has_exactly_one_current_episode(cast):
    hackney = cast.hackney
    first = allocated_case(hackney)
    close(hackney, first)
    second = re_referral(hackney, first.young_person, hackney.coach)
    currents = Episode.objects.filter(young_person=first.young_person, is_current=True)
    assert list(currents.values_list("pk", flat=True)) == [second.pk]


def test_no_module_picks_the_open_case_else_the_latest_by_hand():
    """`Episode.is_current` is that rule, kept by intake and closure: pages read it."""
    root = Path(__file__).resolve().parents[2]
    by_hand = re.compile(r"next\(\(\s*\w+ for \w+ in \w+ if \w+\.is_open\s*\)")
    found = [
        str(path.relative_to(root))
        for app in project_apps()
        for path in Path(app.path).rglob("*.py")
        if by_hand.search(path.read_text())
    ]
    assert found == []
