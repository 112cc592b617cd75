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
from tests.conftest import allocated_case, logged_session

pytestmark = pytest.mark.django_db


def rows(client, **params):
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
    Episode.objects.filter(pk=unseen.pk).update(
        allocated_on=timezone.localdate() - timedelta(days=14)
    )
    logged_session(seen)
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
    # The same attention signals as the supervisor's review (caseload/attention.py).
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


# --- The borough lead's list: paged, the same order and filters as a whole list -------------


def _authority_view(client, **params):
    return client.get(reverse("home"), params).context["authority_cases"]


@pytest.fixture
def authority_cases(cast):
    """Cases with names out of order, some seen this week (once or twice), one with a flag."""
    from cases import services as case_services

    made = []
    for n, family in enumerate(["Osei", "abbott", "Nwosu", "Begum", "osei", "Clarke", "Diaz"]):
        episode = allocated_case(cast.hackney, given=f"Sam{n}", family=family)
        for _ in range(n % 3):
            logged_session(episode, occurred_at=timezone.now() - timedelta(minutes=n + 1))
        made.append(episode)
    case_services.flag_raise(
        actor=cast.hackney.coach,
        episode=made[2],
        category="exploitation",
        level="high",
        summary="Seen with older men",
        review_on=timezone.localdate() + timedelta(days=7),
    )
    return made


@pytest.mark.parametrize("sort", ["name", "last-contact", "this-week", "weeks", "flags"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("show", ["all", "flags", "below-target", "attention", "no-contact"])
def test_the_paged_list_keeps_the_order_and_filter_of_the_whole_list(
    cast, client_for, authority_cases, sort, direction, show
):
    """Sorted and filtered in SQL or in Python, a page holds what the whole list would."""
    from caseload import lists as caseload
    from caseload.rows import case_rows
    from cases import selectors

    params = {"sort": sort, "dir": direction, "show": show}
    whole = caseload.arrange(
        case_rows(selectors.cases_for_authority(cast.hackney.lead), timezone.localdate()),
        params,
    )
    paged = _authority_view(client_for(cast.hackney.lead), **params)
    assert [r.episode.pk for r in paged.rows] == [r.episode.pk for r in whole.rows]
    assert (paged.total, paged.matched) == (len(authority_cases), len(whole.rows))


def test_a_long_list_comes_in_pages_that_cost_the_same_queries(cast, client_for, settings):
    from caseload import lists as caseload

    client = client_for(cast.hackney.lead)
    for _ in range(3):
        allocated_case(cast.hackney)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as short:
        view = _authority_view(client)
    assert view.page.paginator.num_pages == 1 and len(view.rows) == 3
    for _ in range(caseload.PAGE_SIZE):
        allocated_case(cast.hackney)
    with CaptureQueriesContext(connection) as long:
        first = _authority_view(client)
    assert len(first.rows) == caseload.PAGE_SIZE and first.total == caseload.PAGE_SIZE + 3
    assert len(short) == len(long)
    second = _authority_view(client, page=2)
    assert len(second.rows) == 3
    assert not {r.episode.pk for r in first.rows} & {r.episode.pk for r in second.rows}
    body = client.get(reverse("home"), {"page": "2", "sort": "flags"}).content.decode()
    assert "page 2 of 2" in body and "sort=flags&amp;dir=asc&amp;show=all&amp;page=1" in body
    assert _authority_view(client, page="nonsense").page.number == 1  # never a 404 or 500
