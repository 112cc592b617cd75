"""Correcting a young person's details and key contacts after referral, when two people may
have the same record open: the second save of a stale version is refused and shown what
changed; nothing is silently overwritten."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.models import EpisodeStatus, KeyContact, YoungPerson
from cases.profile import services
from cases.services import YOUNG_PERSON_FIELDS, YoungPersonDetails
from tests.conftest import allocated_case, referral
from tests.forms import submitted
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.models import AuditEvent
from yourchoice.scoping import cases_of

pytestmark = pytest.mark.django_db


def details_of(young_person: YoungPerson, **changes: Any) -> YoungPersonDetails:
    current = YoungPersonDetails(**{f: getattr(young_person, f) for f in YOUNG_PERSON_FIELDS})
    return dataclasses.replace(current, **changes)


# The service


def test_coach_corrects_details_and_the_audit_names_fields_not_values(cast):
    young_person = allocated_case(cast.hackney, given="Sam").young_person
    updated = services.young_person_update(
        actor=cast.hackney.coach,
        young_person=young_person,
        version=1,
        details=details_of(young_person, preferred_name="Sammy", looked_after="yes"),
    )
    assert updated.version == 2
    young_person.refresh_from_db()
    assert (young_person.preferred_name, young_person.looked_after) == ("Sammy", "yes")
    event = AuditEvent.objects.get(action="young_person.update")
    assert event.detail == {"fields": ["preferred_name", "looked_after"], "version": 2}
    assert event.young_person_id == young_person.pk and event.actor_id == cast.hackney.coach.pk
    assert "Sammy" not in str(event.detail)


def test_a_stale_save_is_refused_and_writes_nothing(cast):
    young_person = allocated_case(cast.hackney).young_person
    services.young_person_update(
        actor=cast.hackney.supervisor,
        young_person=young_person,
        version=1,
        details=details_of(young_person, preferred_name="Jo"),
    )
    with pytest.raises(StaleVersion) as refused:
        services.young_person_update(
            actor=cast.hackney.coach,
            young_person=young_person,
            version=1,
            details=details_of(young_person, ethnicity="white_irish"),
        )
    assert refused.value.current.preferred_name == "Jo"
    assert refused.value.current.version == 2
    assert refused.value.changed_by == cast.hackney.supervisor.full_name
    young_person.refresh_from_db()
    assert young_person.ethnicity == "notknown_notknown" and young_person.version == 2
    assert AuditEvent.objects.filter(action="young_person.update").count() == 1


def test_saving_nothing_new_keeps_the_version(cast):
    young_person = allocated_case(cast.hackney).young_person
    same = services.young_person_update(
        actor=cast.hackney.coach,
        young_person=young_person,
        version=1,
        details=details_of(young_person),
    )
    assert same.version == 1
    assert not AuditEvent.objects.filter(action="young_person.update").exists()


@pytest.mark.parametrize("who", ["hackney.coach", "hackney.supervisor", "hackney.lead"])
def test_the_coach_supervisor_and_borough_lead_may_change_details(cast, who):
    young_person = allocated_case(cast.hackney).young_person
    services.young_person_update(
        actor=cast.by_name(who),
        young_person=young_person,
        version=1,
        details=details_of(young_person, gender="female"),
    )
    young_person.refresh_from_db()
    assert young_person.gender == "female"


@pytest.mark.parametrize(
    "who", ["hackney.coach2", "southwark.lead", "programme_lead", "evaluator", "admin"]
)
def test_no_one_else_may_change_details(cast, who):
    young_person = allocated_case(cast.hackney).young_person
    with pytest.raises(PermissionDenied):
        services.young_person_update(
            actor=cast.by_name(who),
            young_person=young_person,
            version=1,
            details=details_of(young_person, gender="female"),
        )


def test_a_coach_of_an_earlier_case_may_not_change_details_after_re_referral(cast):
    from cases import services as case_services

    first = allocated_case(cast.hackney)
    case_services.closure_request(
        actor=cast.hackney.coach, episode=first, ending_reason="planned", summary="Done"
    )
    closure = first.closure_requests.get()
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    second = case_services.referral_create(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        details=details_of(first.young_person),
        referrer_name="R",
        referrer_organisation="O",
        received_on=timezone.localdate(),
        panel_date=timezone.localdate(),
        risk_level="high",
        harms=["weapons"],
        consent_given=True,
        existing_young_person=first.young_person,
    )
    case_services.episode_allocate(
        actor=cast.hackney.lead, episode=second, coach=cast.hackney.coach2, team=cast.hackney.team
    )
    with pytest.raises(PermissionDenied):
        services.young_person_update(
            actor=cast.hackney.coach,
            young_person=first.young_person,
            version=1,
            details=details_of(first.young_person, gender="male"),
        )
    services.young_person_update(
        actor=cast.hackney.coach2,
        young_person=first.young_person,
        version=1,
        details=details_of(first.young_person, gender="male"),
    )


def test_details_are_checked(cast):
    young_person = allocated_case(cast.hackney).young_person
    with pytest.raises(DomainError) as refused:
        services.young_person_update(
            actor=cast.hackney.coach,
            young_person=young_person,
            version=1,
            details=details_of(
                young_person,
                given_name=" ",
                date_of_birth=timezone.localdate() + timedelta(days=1),
                ethnicity="martian",
            ),
        )
    assert set(refused.value.errors) == {"given_name", "date_of_birth", "ethnicity"}


def test_an_anonymised_record_cannot_be_changed(cast):
    young_person = allocated_case(cast.hackney).young_person
    YoungPerson.objects.filter(pk=young_person.pk).update(anonymised_at=timezone.now())
    with pytest.raises(DomainError, match="anonymised"):
        services.young_person_update(
            actor=cast.hackney.lead,
            young_person=young_person,
            version=1,
            details=details_of(young_person, gender="female"),
        )


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins_the_other_is_told(cast):
    """Two real database sessions race from the same loaded version: the row lock makes the
    second wait, then see the new version and refuse."""
    young_person = allocated_case(cast.hackney).young_person
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(name: str, actor, change: dict) -> None:
        try:
            barrier.wait()
            # Each save is one person's request, in their scope (a new thread has none).
            with cases_of(actor):
                services.young_person_update(
                    actor=actor,
                    young_person=young_person,
                    version=1,
                    details=details_of(young_person, **change),
                )
            outcomes[name] = "saved"
        except StaleVersion:
            outcomes[name] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=("coach", cast.hackney.coach, {"gender": "male"})),
        threading.Thread(
            target=save, args=("supervisor", cast.hackney.supervisor, {"looked_after": "yes"})
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    young_person.refresh_from_db()
    assert young_person.version == 2
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    assert (young_person.gender == "male") == (winner == "coach")
    assert (young_person.looked_after == "yes") == (winner == "supervisor")


def test_key_contacts_are_added_changed_and_removed_with_versions(cast):
    young_person = allocated_case(cast.hackney).young_person
    contact = services.key_contact_add(
        actor=cast.hackney.coach,
        young_person=young_person,
        name="Pat Example",
        relationship="mother",
        phone="020 7946 0000",
    )
    services.key_contact_update(
        actor=cast.hackney.supervisor,
        contact=contact,
        version=1,
        name="Pat Example",
        relationship="mother",
        phone="07700 900000",
        email="pat@example.com",
    )
    with pytest.raises(StaleVersion) as refused:
        services.key_contact_update(
            actor=cast.hackney.coach,
            contact=contact,
            version=1,
            name="Pat Example",
            relationship="foster carer",
        )
    assert refused.value.current.phone == "07700 900000"
    with pytest.raises(StaleVersion):
        services.key_contact_remove(actor=cast.hackney.coach, contact=contact, version=1)
    contact.refresh_from_db()
    assert (contact.relationship, contact.version) == ("mother", 2)
    services.key_contact_remove(actor=cast.hackney.lead, contact=contact, version=2)
    assert not KeyContact.objects.exists()
    with pytest.raises(StaleVersion) as gone:
        services.key_contact_update(
            actor=cast.hackney.coach, contact=contact, version=2, name="P", relationship="m"
        )
    assert gone.value.current is None and "removed" in str(gone.value)
    actions = list(
        AuditEvent.objects.filter(action__startswith="key_contact").values_list("action", "detail")
    )
    assert sorted(actions, key=str) == sorted(
        [
            ("key_contact.add", {}),
            ("key_contact.update", {"fields": ["phone", "email"], "version": 2}),
            ("key_contact.remove", {}),
        ],
        key=str,
    )


def test_key_contact_details_are_checked(cast):
    young_person = allocated_case(cast.hackney).young_person
    with pytest.raises(DomainError) as refused:
        services.key_contact_add(
            actor=cast.hackney.coach,
            young_person=young_person,
            name="",
            relationship="",
            phone="call me",
            email="not-an-email",
        )
    assert set(refused.value.errors) == {"name", "relationship", "phone", "email"}


# The pages


def profile_url(young_person_id: int) -> str:
    return reverse("cases:profile-edit", args=[young_person_id])


def test_the_young_persons_page_links_to_changing_details_for_those_who_may(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    page = reverse("cases:young-person", args=[young_person.pk])
    for user in (cast.hackney.coach, cast.hackney.supervisor, cast.hackney.lead):
        body = client_for(user).get(page).content.decode()
        assert profile_url(young_person.pk) in body
        assert reverse("cases:contact-new", args=[young_person.pk]) in body


def test_changing_details_on_the_page(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    client = client_for(cast.hackney.coach)
    form = submitted(client.get(profile_url(young_person.pk)).content)
    assert form["version"] == "1" and form["given_name"] == young_person.given_name
    response = client.post(profile_url(young_person.pk), {**form, "preferred_name": "Sammy"})
    assert response.status_code == 302
    young_person.refresh_from_db()
    assert young_person.preferred_name == "Sammy" and young_person.version == 2


def test_a_stale_profile_form_answers_409_keeps_input_and_shows_what_changed(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    coach, supervisor = client_for(cast.hackney.coach), client_for(cast.hackney.supervisor)
    coachs_form = submitted(coach.get(profile_url(young_person.pk)).content)
    supervisors_form = submitted(supervisor.get(profile_url(young_person.pk)).content)

    # The supervisor saves first.
    assert (
        supervisor.post(
            profile_url(young_person.pk),
            {**supervisors_form, "preferred_name": "Jo", "looked_after": "yes"},
        ).status_code
        == 302
    )
    # The coach, still on the page she loaded, changes the ethnicity and the looked-after status.
    response = coach.post(
        profile_url(young_person.pk),
        {**coachs_form, "ethnicity": "white_irish", "looked_after": "previously"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert f"{cast.hackney.supervisor.full_name} saved changes after you opened this page" in body
    # Said once, in the error summary, not again above the fields.
    assert body.count("saved changes after you opened this page") == 1
    assert "alert-danger" not in body
    assert "Name they like to be called: was blank, now \u2018Jo\u2019" in body
    assert (
        "Looked-after status: was \u2018Not known\u2019, now \u2018Looked after\u2019. "
        "You entered \u2018Previously looked after\u2019" in body
    )
    young_person.refresh_from_db()
    assert (young_person.ethnicity, young_person.version) == ("notknown_notknown", 2)

    # The form keeps what she typed, takes the supervisor's change where she typed nothing,
    # and has moved on to the current version: saving again is her decision, made knowingly.
    again = submitted(body)
    assert again["ethnicity"] == "white_irish"
    assert again["looked_after"] == "previously"
    assert again["preferred_name"] == "Jo"
    assert again["version"] == "2"
    assert coach.post(profile_url(young_person.pk), again).status_code == 302
    young_person.refresh_from_db()
    assert (young_person.preferred_name, young_person.ethnicity, young_person.looked_after) == (
        "Jo",
        "white_irish",
        "previously",
    )
    assert young_person.version == 3


def test_a_tampered_snapshot_still_refuses_and_lists_differences(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    client = client_for(cast.hackney.coach)
    form = submitted(client.get(profile_url(young_person.pk)).content)
    services.young_person_update(
        actor=cast.hackney.lead,
        young_person=young_person,
        version=1,
        details=details_of(young_person, gender="female"),
    )
    response = client.post(
        profile_url(young_person.pk), {**form, "loaded": "forged", "gender": "male"}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Gender: now \u2018Female\u2019. You entered \u2018Male\u2019" in body
    young_person.refresh_from_db()
    assert young_person.gender == "female"


def test_a_profile_form_with_errors_answers_400_and_keeps_input(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    client = client_for(cast.hackney.coach)
    form = submitted(client.get(profile_url(young_person.pk)).content)
    response = client.post(
        profile_url(young_person.pk), {**form, "given_name": "", "preferred_name": "Kept"}
    )
    assert response.status_code == 400
    assert submitted(response.content)["preferred_name"] == "Kept"


def test_an_anonymised_young_persons_details_page_is_gone(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    YoungPerson.objects.filter(pk=young_person.pk).update(anonymised_at=timezone.now())
    assert client_for(cast.hackney.lead).get(profile_url(young_person.pk)).status_code == 404


def contact_for(cast, **values):
    young_person = allocated_case(cast.hackney).young_person
    return services.key_contact_add(
        actor=cast.hackney.coach,
        young_person=young_person,
        **{"name": "Pat Example", "relationship": "mother", **values},
    )


def test_adding_a_key_contact_on_the_page(cast, client_for):
    young_person = allocated_case(cast.hackney).young_person
    url = reverse("cases:contact-new", args=[young_person.pk])
    client = client_for(cast.hackney.supervisor)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"name": "Pat", "relationship": "", "email": "nope"})
    assert refused.status_code == 400 and submitted(refused.content)["name"] == "Pat"
    assert client.post(url, {"name": "Pat", "relationship": "aunt"}).status_code == 302
    body = client.get(reverse("cases:young-person", args=[young_person.pk])).content.decode()
    assert "Pat (aunt)" in body


def test_a_stale_contact_form_answers_409_and_shows_what_changed(cast, client_for):
    contact = contact_for(cast, phone="020 7946 0000")
    url = reverse("cases:contact-edit", args=[contact.young_person_id, contact.pk])
    coach = client_for(cast.hackney.coach)
    form = submitted(coach.get(url).content)
    services.key_contact_update(
        actor=cast.hackney.lead,
        contact=contact,
        version=1,
        name="Pat Example",
        relationship="mother",
        phone="07700 900000",
    )
    response = coach.post(url, {**form, "relationship": "step-mother"})
    assert response.status_code == 409
    body = response.content.decode()
    assert (
        "Phone number: was \u2018020 7946 0000\u2019, now \u201807700 900000\u2019. "
        "The form now shows the new value." in body
    )
    again = submitted(body)
    assert again["relationship"] == "step-mother" and again["phone"] == "07700 900000"
    assert coach.post(url, again).status_code == 302
    contact.refresh_from_db()
    assert (contact.relationship, contact.phone, contact.version) == (
        "step-mother",
        "07700 900000",
        3,
    )


def test_changing_a_contact_someone_removed_keeps_the_input_and_offers_to_add_it(cast, client_for):
    contact = contact_for(cast)
    url = reverse("cases:contact-edit", args=[contact.young_person_id, contact.pk])
    coach = client_for(cast.hackney.coach)
    form = submitted(coach.get(url).content)
    services.key_contact_remove(actor=cast.hackney.lead, contact=contact, version=1)
    response = coach.post(url, {**form, "phone": "020 7946 0001"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else removed this contact" in body
    assert reverse("cases:contact-new", args=[contact.young_person_id]) in body
    assert submitted(body)["phone"] == "020 7946 0001"
    assert coach.get(url).status_code == 404


def test_removing_a_contact_changed_meanwhile_is_refused_and_shows_it_as_it_is_now(
    cast, client_for
):
    contact = contact_for(cast)
    url = reverse("cases:contact-remove", args=[contact.young_person_id, contact.pk])
    coach = client_for(cast.hackney.coach)
    form = submitted(coach.get(url).content)
    services.key_contact_update(
        actor=cast.hackney.supervisor,
        contact=contact,
        version=1,
        name="Pat Example",
        relationship="guardian",
    )
    response = coach.post(url, form)
    assert response.status_code == 409
    body = response.content.decode()
    assert f"{cast.hackney.supervisor.full_name} saved changes to this contact" in body
    assert "guardian" in body
    assert KeyContact.objects.filter(pk=contact.pk).exists()
    assert coach.post(url, submitted(body)).status_code == 302
    assert not KeyContact.objects.filter(pk=contact.pk).exists()
    # Removing it again (a second tab) is not an error: it is already gone.
    assert coach.post(url, form).status_code == 302


def test_closed_case_details_can_still_be_corrected_by_the_borough_lead(cast, client_for):
    episode = referral(cast.hackney, age=9)  # not eligible: recorded, not taken on
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    client = client_for(cast.hackney.lead)
    form = submitted(client.get(profile_url(episode.young_person_id)).content)
    response = client.post(profile_url(episode.young_person_id), {**form, "gender": "male"})
    assert response.status_code == 302
