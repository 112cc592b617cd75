"""Pages run the same number of queries for 1 row and for 10 (docs/architecture.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outcomes import services as outcome_services
from sessions import services as session_services
from tests.conftest import allocated_case, new_key, signed_in_client

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # warm per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_cases(place, n: int) -> list:  # type: ignore[no-untyped-def]
    episodes = []
    for _ in range(n):
        episode = allocated_case(place)
        session_services.session_log(
            actor=place.coach,
            episode=episode,
            idempotency_key=new_key(),
            occurred_at=timezone.now() - timedelta(days=1),
            attendance="attended",
            duration_minutes=60,
            place="school",
        )
        episodes.append(episode)
    return episodes


@pytest.mark.parametrize("who", ["coach", "supervisor", "lead"])
def test_home_page_queries_do_not_grow_with_cases(cast, who):
    add_cases(cast.hackney, 1)
    client = signed_in_client(getattr(cast.hackney, who))
    one = queries_for(client, reverse("home"))
    add_cases(cast.hackney, 9)
    ten = queries_for(client, reverse("home"))
    assert one == ten
    assert ten <= 15


def test_coach_home_queries_do_not_grow_with_returned_closure_requests(cast):
    from cases import services as case_services

    def returned(episodes) -> None:  # type: ignore[no-untyped-def]
        for episode in episodes:
            closure = case_services.closure_request(
                actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Done"
            )
            case_services.closure_decide(
                actor=cast.hackney.supervisor, closure=closure, approve=False, comment="Not yet"
            )

    client = signed_in_client(cast.hackney.coach)
    returned(add_cases(cast.hackney, 1))
    one = queries_for(client, reverse("home"))
    returned(add_cases(cast.hackney, 9))
    response = client.get(reverse("home"))
    assert response.content.decode().count("Not yet") == 10  # the list is there, all of it
    assert queries_for(client, reverse("home")) == one


def test_programme_lead_home_queries_do_not_grow_with_cases(cast):
    client = signed_in_client(cast.programme_lead)
    add_cases(cast.hackney, 1)
    one = queries_for(client, reverse("home"))
    add_cases(cast.southwark, 9)
    assert queries_for(client, reverse("home")) == one


def test_young_person_page_queries_do_not_grow_with_sessions_and_goals(cast):
    episode = add_cases(cast.hackney, 1)[0]
    client = signed_in_client(cast.hackney.coach)
    url = reverse("cases:young-person", args=[episode.young_person_id])
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate(),
        first_score=2,
    )
    one = queries_for(client, url)
    for day in range(2, 11):
        session_services.session_log(
            actor=cast.hackney.coach,
            episode=episode,
            idempotency_key=new_key(),
            occurred_at=timezone.now() - timedelta(days=day),
            attendance="attended",
            duration_minutes=45,
            place="community",
            goal_scores={goal.pk: day % 10},
        )
    for n in range(2):
        outcome_services.goal_set(
            actor=cast.hackney.coach,
            episode=episode,
            description=f"Goal {n}",
            agreed_on=timezone.localdate(),
            first_score=1,
        )
    ten = queries_for(client, url)
    assert one == ten
    # Sign-in (session, user, authenticator, roles), the episodes with the young person, one
    # query per section (sessions, goals with their ratings, measures, flags, actions, closure,
    # history, supervision, contacts) and the audit row: 15. Tests also read the SDQ definition,
    # which the running service keeps for a minute (MEASURE_DEFINITION_CACHE_SECONDS).
    assert ten <= 16


def test_budget_page_queries_do_not_grow_with_spending(cast):
    from cases import services as case_services

    episode = add_cases(cast.hackney, 1)[0]
    client = signed_in_client(cast.hackney.coach)
    url = reverse("cases:budget", args=[episode.young_person_id])

    def spend() -> None:
        case_services.budget_spend_record(
            actor=cast.hackney.coach,
            episode=episode,
            description="Gym",
            amount_pence=100,
            spent_on=timezone.localdate(),
            approved_by=cast.hackney.supervisor,
        )

    spend()
    one = queries_for(client, url)
    for _ in range(9):
        spend()
    assert queries_for(client, url) == one


def test_london_table_queries_do_not_grow_with_reports_or_periods(cast):
    from accounts.models import Authority
    from outcomes.models import Report, ReportStatus
    from outcomes.selectors import last_whole_month

    month = last_whole_month(timezone.localdate())

    def made(authority, start, end) -> None:  # type: ignore[no-untyped-def]
        Report.objects.create(
            scope="authority" if authority else "london",
            authority=authority,
            period_start=start,
            period_end=end,
            status=ReportStatus.READY,
            finished_at=timezone.now(),
            results=[{"indicator": "Referrals received", "breakdown": "All", "value": 12}],
        )

    client = signed_in_client(cast.programme_lead)
    made(cast.hackney.authority, month.start, month.end)
    one = queries_for(client, reverse("outcomes:london"))
    for authority in Authority.objects.filter(active=True)[:20]:
        made(authority, month.start, month.end)
        earlier = month.start - timedelta(days=1)
        made(authority, earlier.replace(day=1), earlier)
    made(None, month.start, month.end)
    assert queries_for(client, reverse("outcomes:london")) == one
    assert one <= 10


def _api_list_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "basename", ["young-person", "episode", "session-log", "goal", "measure", "flag", "action"]
)
def test_api_lists_run_the_same_queries_for_one_young_person_and_ten(cast, basename):
    """The read audit of a list is one query for the rows' young people and one insert of an
    event per young person, however many rows (yourchoice/api.py)."""
    from tests.service.routes import Owner

    def add(n: int) -> None:
        for _ in range(n):
            owner = Owner(cast.hackney, cast.hackney.coach)
            for kind in ("session-logs", "goals", "measures", "flags", "actions"):
                owner.id_of(kind)

    client = signed_in_client(cast.hackney.coach)
    url = reverse(f"api:{basename}-list")
    add(1)
    one = _api_list_queries(client, url)
    add(9)
    assert _api_list_queries(client, url) == one
