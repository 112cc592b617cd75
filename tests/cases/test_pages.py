"""What each role sees on the home page and the young person's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import allocated_case, referral
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_coach_home_lists_her_caseload_and_no_one_else(cast, client_for):
    allocated_case(cast.hackney, given="Mine", family="Person")
    allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Colleagues", family="Person")
    body = client_for(cast.hackney.coach).get(reverse("home")).content.decode()
    assert "Mine Person" in body and "Colleagues Person" not in body
    assert "0 of 3" in body  # sessions this week against the target


def test_supervisor_home_lists_his_coaches_with_caseload_size(cast, client_for):
    allocated_case(cast.hackney)
    allocated_case(cast.hackney)
    response = client_for(cast.hackney.supervisor).get(reverse("home"))
    coaches = {c.name: c.open_cases for c in response.context["coaches"]}
    assert coaches == {cast.hackney.coach.full_name: 2, cast.hackney.coach2.full_name: 0}


def test_borough_lead_home_lists_every_open_case_in_the_authority(cast, client_for):
    referral(cast.hackney, given="Waiting", family="Allocation")
    allocated_case(cast.southwark, given="Other", family="Borough")
    body = client_for(cast.hackney.lead).get(reverse("home")).content.decode()
    assert "Waiting Allocation" in body and "Not allocated" in body
    assert "Other Borough" not in body


def test_programme_lead_sees_counts_per_authority_and_no_names(cast, client_for):
    episode = allocated_case(cast.hackney, given="Named", family="Child")
    response = client_for(cast.programme_lead).get(reverse("home"))
    body = response.content.decode()
    counts = {row.authority.name: row.open_cases for row in response.context["authority_counts"]}
    assert counts["Hackney"] == 1 and counts["Southwark"] == 0
    assert len(counts) == 33
    assert "Named" not in body and episode.young_person.reference not in body
    # One case in Hackney leaves LIIA's screen as "c", not 1 (docs/disclosure.md).
    hackney_row = body[body.index("Hackney</th>") :][:400]
    assert ">c</td>" in hackney_row and ">1</td>" not in hackney_row


def test_evaluator_home_names_no_one(cast, client_for):
    allocated_case(cast.hackney, given="Named", family="Child")
    body = client_for(cast.evaluator).get(reverse("home")).content.decode()
    assert "Named" not in body and "pseudonymised extracts only" in body


def test_opening_a_young_persons_page_is_audited(cast, client_for):
    episode = allocated_case(cast.hackney)
    client_for(cast.hackney.supervisor).get(
        reverse("cases:young-person", args=[episode.young_person_id])
    )
    event = AuditEvent.objects.filter(action="young_person.view").get()
    assert event.actor_id == cast.hackney.supervisor.pk
    assert event.young_person_id == episode.young_person_id
    assert event.authority_id == cast.hackney.authority.pk


def test_a_refused_page_is_not_audited_as_a_view(cast, client_for):
    episode = allocated_case(cast.hackney)
    client_for(cast.southwark.lead).get(
        reverse("cases:young-person", args=[episode.young_person_id])
    )
    assert not AuditEvent.objects.filter(action="young_person.view").exists()


def test_navigation_shows_administration_only_to_administrators(cast, client_for):
    admin_body = client_for(cast.admin).get(reverse("home")).content.decode()
    coach_body = client_for(cast.hackney.coach).get(reverse("home")).content.decode()
    assert reverse("admin:index") in admin_body
    assert reverse("admin:index") not in coach_body
