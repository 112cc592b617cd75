"""The coach's caseload: goal trend, measures due, sorting and filtering (issue: My caseload)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Episode
from outcomes import services as outcome_services
from sessions import services as session_services
from tests.conftest import allocated_case, new_key

pytestmark = pytest.mark.django_db


def rows(client, **params):  # type: ignore[no-untyped-def]
    return client.get(reverse("home"), params).context["caseload"].rows


def test_rows_show_goal_trend_and_measures_due(cast, client_for):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, received_on=timezone.localdate() - timedelta(days=40))
    goal = outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate() - timedelta(days=10),
        first_score=2,
    )
    outcome_services.goal_rate(actor=coach, goal=goal, score=5, rated_on=timezone.localdate())
    (row,) = rows(client_for(coach))
    assert row.goal_trend == "Improving"
    assert row.measures_due == ("Baseline overdue",)


def test_sorting_and_filtering(cast, client_for):
    coach = cast.hackney.coach
    seen = allocated_case(cast.hackney, given="Ada", family="Zephyr")
    unseen = allocated_case(
        cast.hackney,
        given="Bo",
        family="Abbott",
        received_on=timezone.localdate() - timedelta(days=30),
    )
    # Allocated 14 days ago and never seen: "no contact for 14 days" counts from allocation.
    Episode.objects.unscoped().filter(pk=unseen.pk).update(
        allocated_on=timezone.localdate() - timedelta(days=14)
    )
    session_services.session_log(
        actor=coach,
        episode=seen,
        idempotency_key=new_key(),
        occurred_at=timezone.now(),
        attendance="attended",
        duration_minutes=60,
        place="school",
    )
    client = client_for(coach)
    assert [r.young_person.family_name for r in rows(client)] == ["Abbott", "Zephyr"]
    assert [r.young_person.family_name for r in rows(client, sort="name", dir="desc")] == [
        "Zephyr",
        "Abbott",
    ]
    assert [r.young_person.family_name for r in rows(client, sort="this-week", dir="desc")] == [
        "Zephyr",
        "Abbott",
    ]
    assert [r.young_person.family_name for r in rows(client, show="no-contact")] == ["Abbott"]
    # The same attention signals as the supervisor's review (cases/attention.py).
    assert [r.young_person.family_name for r in rows(client, show="attention")] == ["Abbott"]
    assert rows(client, sort="nonsense", show="nonsense")  # unknown values fall back, never 500
    body = client.get(reverse("home"), {"show": "flags"}).content.decode()
    assert "No cases match this filter." in body


def test_caseload_queries_are_the_same_for_1_and_100_cases(cast, client_for):
    allocated_case(cast.hackney)
    client = client_for(cast.hackney.coach)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for _ in range(99):
        allocated_case(cast.hackney)
    with CaptureQueriesContext(connection) as hundred:
        response = client.get(reverse("home"))
    assert len(response.context["caseload"].rows) == 100
    assert len(one) == len(hundred)
