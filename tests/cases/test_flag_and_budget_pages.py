"""Flags with a level and review date (C6); the activity budget with a running balance (C8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import BudgetSpend, RiskFlag
from tests.conftest import allocated_case
from yourchoice.data.errors import DomainError

pytestmark = pytest.mark.django_db


def test_a_supervisor_raises_a_flag_and_a_coach_resolves_it_without_losing_it(cast, client_for):
    episode = allocated_case(cast.hackney)
    review = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = client_for(cast.hackney.supervisor).post(
        reverse("cases:flag-new", args=[episode.young_person_id]),
        {
            "category": "exploitation",
            "level": "high",
            "summary": "Seen with older men",
            "review_on": review,
        },
    )
    assert response.status_code == 302
    flag = RiskFlag.objects.get(episode=episode)
    coach = client_for(cast.hackney.coach)
    page = coach.get(reverse("cases:young-person", args=[episode.young_person_id])).content.decode()
    assert "Seen with older men" in page and reverse("cases:flag-resolve", args=[flag.pk]) in page
    empty = coach.post(reverse("cases:flag-resolve", args=[flag.pk]), {"resolution": ""})
    assert empty.status_code == 400
    coach.post(
        reverse("cases:flag-resolve", args=[flag.pk]), {"resolution": "Referred to the MASH"}
    )
    flag.refresh_from_db()
    assert flag.resolved_by == cast.hackney.coach and flag.resolution == "Referred to the MASH"
    page = coach.get(reverse("cases:young-person", args=[episode.young_person_id])).content.decode()
    assert "Seen with older men" in page and "Resolved: Referred to the MASH" in page


def test_a_flag_needs_a_review_date_that_is_not_past(cast, client_for):
    episode = allocated_case(cast.hackney)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(cast.hackney.coach).post(
        reverse("cases:flag-new", args=[episode.young_person_id]),
        {"category": "other", "level": "low", "summary": "Kept", "review_on": past},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "review date must be today or later" in body and "Kept" in body


def spend(client, episode, amount, approver, description="Gym"):
    return client.post(
        reverse("cases:budget", args=[episode.young_person_id]),
        {
            "description": description,
            "amount": amount,
            "spent_on": timezone.localdate().isoformat(),
            "approved_by": approver.pk,
        },
    )


def test_spending_shows_a_running_balance(cast, client_for, settings):
    episode = allocated_case(cast.hackney)  # budget set from ACTIVITY_BUDGET_PENCE at referral
    client = client_for(cast.hackney.coach)
    assert spend(client, episode, "25.00", cast.hackney.supervisor).status_code == 302
    assert spend(client, episode, "12.50", cast.hackney.lead, "Cinema").status_code == 302
    page = client.get(reverse("cases:budget", args=[episode.young_person_id]))
    lines = page.context["ledger"].lines
    start = episode.activity_budget_pence
    assert [line.balance_pence for line in lines] == [start - 2500, start - 3750]
    assert f"£{(start - 3750) // 100}.50 left" in page.content.decode()


def test_spending_more_than_is_left_or_unapproved_is_refused(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.coach)
    too_much = spend(client, episode, "10000.00", cast.hackney.supervisor)
    assert too_much.status_code == 400 and "more than the" in too_much.content.decode()
    outsider = spend(client, episode, "5.00", cast.southwark.supervisor)
    assert outsider.status_code == 400
    assert not BudgetSpend.objects.exists()


def test_only_the_coach_records_spending(cast, client_for):
    episode = allocated_case(cast.hackney)
    response = spend(client_for(cast.hackney.lead), episode, "5.00", cast.hackney.supervisor)
    assert response.status_code == 403
    assert services.budget_balance_pence(episode) == episode.activity_budget_pence


def test_a_supervisor_who_also_coaches_cannot_sign_off_her_own_spending(cast, client_for):
    from accounts.models import Membership, Role

    supervisor = cast.hackney.supervisor
    Membership.objects.create(user=supervisor, role=Role.COACH, team=cast.hackney.team)
    episode = allocated_case(cast.hackney, coach=supervisor)
    client = client_for(supervisor)
    page = client.get(reverse("cases:budget", args=[episode.young_person_id]))
    offered = list(page.context["form"].fields["approved_by"].queryset)
    assert offered == [cast.hackney.lead]  # the team's other approver, never herself
    assert f'value="{supervisor.pk}"' not in page.content.decode()

    refused = spend(client, episode, "5.00", supervisor)
    assert refused.status_code == 400
    with pytest.raises(DomainError) as error:
        services.budget_spend_record(
            actor=supervisor,
            episode=episode,
            description="Gym",
            amount_pence=500,
            spent_on=timezone.localdate(),
            approved_by=supervisor,
        )
    assert error.value.errors == {
        "approved_by": ["Choose someone other than yourself to approve the spending."]
    }
    assert not BudgetSpend.objects.exists()
    assert spend(client, episode, "5.00", cast.hackney.lead).status_code == 302
