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


# --- What a card shows: decided on the row, not in the template ------------------------------


def _row(status="active", *, allocated_days_ago=20, **fields):
    from caseload.rows import CaseRow

    today = timezone.localdate()
    episode = Episode(
        status=status,
        allocated_on=today - timedelta(days=allocated_days_ago),
        started_on=today - timedelta(days=allocated_days_ago),
    )
    values = {
        "last_contact": None,
        "sessions_this_week": 0,
        "sessions_attended": 0,
        "open_flags": 0,
        "weeks_active": 3,
        **fields,
    }
    return CaseRow(episode=episode, **values)


def test_a_rows_attention_reasons_are_tags_in_the_colours_of_caseload_attention():
    from caseload import attention
    from caseload.rows import Tag

    row = _row(flags_past_review=1, pending_closure=True, allocated_days_ago=30)  # never seen
    assert row.attention_tags == [
        Tag(attention.FLAG_PAST_REVIEW, "red"),
        Tag(attention.NO_CONTACT, "red"),
        Tag(attention.CLOSURE_WAITING, "blue"),
        Tag(attention.UNDER_DOSED, "orange"),
    ]
    assert _row(allocated_days_ago=2).attention_tags == []
    assert set(attention.COLOURS) == set(attention.ORDER)  # every reason has its colour
    assert attention.colour("Something new") == "grey"


def test_a_row_says_its_sessions_against_the_target_its_goals_and_measures_in_words():
    from cases.programme import TARGET_SESSIONS_PER_WEEK

    row = _row(sessions_this_week=1)
    assert row.sessions_against_target == f"1 of {TARGET_SESSIONS_PER_WEEK}"
    assert row.below_target
    assert not _row(sessions_this_week=TARGET_SESSIONS_PER_WEEK).below_target
    assert (row.goal_trend_text, row.measures_due_text) == ("Not enough ratings", "Up to date")
    row = _row(goal_trend="Improving", measures_due=("Baseline overdue", "3 months due"))
    assert (row.goal_trend_text, row.measures_due_text) == (
        "Improving",
        "Baseline overdue, 3 months due",
    )


@pytest.mark.parametrize(
    ("status", "takes"),
    [("referred", False), ("allocated", True), ("active", True), ("closed", False)],
)
def test_a_row_takes_sessions_while_the_case_is_allocated_or_active(status, takes):
    assert _row(status).takes_sessions is takes


def test_the_sort_menu_offers_each_sort_both_ways_and_is_read_like_the_headings(cast, client_for):
    from caseload import lists as caseload

    assert set(caseload.ORDERS) == {f"{s}:{d}" for s in caseload.SORTS for d in ("asc", "desc")}
    allocated_case(cast.hackney, given="Ada", family="Zephyr")
    allocated_case(cast.hackney, given="Bo", family="Abbott")
    client = client_for(cast.hackney.coach)
    view = client.get(reverse("home"), {"order": "name:desc"}).context["caseload"]
    assert [r.young_person.family_name for r in view.rows] == ["Zephyr", "Abbott"]
    assert (view.sort, view.descending, view.order) == ("name", True, "name:desc")
    # The menu wins over the headings' parameters; a value it does not offer is ignored.
    view = client.get(reverse("home"), {"order": "flags:asc", "sort": "name"}).context["caseload"]
    assert view.order == "flags:asc"
    view = client.get(reverse("home"), {"order": "nonsense", "sort": "weeks"}).context["caseload"]
    assert view.order == "weeks:asc"


def test_the_cards_and_the_table_say_the_same_counts(cast, client_for):
    allocated_case(cast.hackney)
    body = client_for(cast.hackney.coach).get(reverse("home"), {"show": "flags"}).content.decode()
    assert body.count("Young people you work with: 0 of 1") == 2  # card list title and caption
    assert 'data-testid="caseload-cards"' in body and "No cases match this filter." in body
