"""Pages run the same number of queries for 1 row and for 10 (docs/architecture.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outcomes import services as outcome_services
from tests.conftest import allocated_case, logged_session, signed_in_client
from tests.queries import assert_get_queries, get_queries
from tests.service.routes import api_lists

pytestmark = pytest.mark.django_db


def add_cases(place, n: int) -> list:
    episodes = []
    for _ in range(n):
        episode = allocated_case(place)
        logged_session(episode, coach=place.coach, days_ago=1)
        episodes.append(episode)
    return episodes


#: Every signed-in page starts with the same 4: the session, the user, the authenticator and
#: the roles; and draws the header's count of new notifications, one more.
HOME_QUERIES = {
    # The 4, her cases (with cover), the SDQ definition, the latest goal ratings, the measures
    # due, closure requests pending and returned, her open actions and the header's count: 12.
    "coach": 12,
    # The 4, the team's memberships, cases per coach, sessions per coach in the month, the
    # team's open actions and the header's count: 9.
    "supervisor": 9,
    # The 4, the count of cases waiting and their ids, the cases page, the SDQ definition, the
    # latest goal ratings, the measures due, the closures to decide, the open actions and the
    # header's count: 13.
    "lead": 13,
}
#: The 4, the episodes with the young person, one query per section (sessions, goals with
#: their ratings, measures, flags, contexts, actions, closure, history, the young person's own
#: check-ins, supervision, the SDQ definition, contacts), the audit row and the header's count:
#: 19. Tests read the SDQ definition each time; the running service keeps it for a minute
#: (MEASURE_DEFINITION_CACHE_SECONDS).
YOUNG_PERSON_QUERIES = 19
#: The 4, the periods with reports, the latest report of each place for the period, the
#: authorities' names and the header's count: 8.
LONDON_TABLE_QUERIES = 8
#: The 4, the young people matched, their current cases with their coaches, and the header's
#: count: 7, for 1 match or 100 (of which the closest 50 are shown). The budget is 15.
SEARCH_QUERIES = 7


@pytest.mark.parametrize("who", ["coach", "supervisor", "lead"])
def test_home_page_queries_do_not_grow_with_cases(cast, who):
    add_cases(cast.hackney, 1)
    client = signed_in_client(getattr(cast.hackney, who))
    assert_get_queries(client, reverse("home"), HOME_QUERIES[who])
    add_cases(cast.hackney, 9)
    assert_get_queries(client, reverse("home"), HOME_QUERIES[who])


def test_coach_home_queries_do_not_grow_with_returned_closure_requests(cast):
    from cases import services as case_services

    def returned(episodes) -> None:
        for episode in episodes:
            closure = case_services.closure_request(
                actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Done"
            )
            case_services.closure_decide(
                actor=cast.hackney.supervisor, closure=closure, approve=False, comment="Not yet"
            )

    client = signed_in_client(cast.hackney.coach)
    returned(add_cases(cast.hackney, 1))
    one = get_queries(client, reverse("home"))
    returned(add_cases(cast.hackney, 9))
    response = client.get(reverse("home"))
    assert response.content.decode().count("Not yet") == 10  # the list is there, all of it
    assert_get_queries(client, reverse("home"), one)


@pytest.mark.parametrize("who", ["coach", "lead"])
def test_search_results_run_the_same_queries_for_one_match_and_a_hundred(cast, who):
    from cases.search.selectors import RESULT_LIMIT

    client = signed_in_client(getattr(cast.hackney, who))
    allocated_case(cast.hackney, given="Muhammad")
    allocated_case(cast.hackney, given="Oliver")
    assert client.post(reverse("cases:search"), {"q": "Mohammed"}).status_code == 302
    response = assert_get_queries(client, reverse("cases:search"), SEARCH_QUERIES)
    assert len(response.context["results"].rows) == 1
    for _ in range(99):
        allocated_case(cast.hackney, given="Mohammed")
    response = assert_get_queries(client, reverse("cases:search"), SEARCH_QUERIES)
    assert len(response.context["results"].rows) == RESULT_LIMIT
    assert response.context["results"].more
    assert SEARCH_QUERIES <= 15


def test_programme_lead_home_queries_do_not_grow_with_cases(cast):
    client = signed_in_client(cast.programme_lead)
    add_cases(cast.hackney, 1)
    one = get_queries(client, reverse("home"))
    add_cases(cast.southwark, 9)
    assert_get_queries(client, reverse("home"), one)


def test_the_notification_list_runs_the_same_queries_for_one_and_fifty(cast):
    """The 4, the header's count, the page's count and rows, and the references of the young
    people they name that the reader holds: 8."""
    client = signed_in_client(cast.hackney.coach)
    add_cases(cast.hackney, 1)  # each allocation tells the coach
    response = assert_get_queries(client, reverse("notifications:list"), 8)
    assert len(response.context["rows"]) == 1
    add_cases(cast.hackney, 49)
    response = assert_get_queries(client, reverse("notifications:list"), 8)
    assert len(response.context["rows"]) == 50


def test_break_glass_uses_run_the_same_queries_for_one_and_fifty(cast):
    """The 4, the header's count, the page's count and rows with who used them, and the
    references the lead holds: 8."""
    from cases.break_glass import services as break_glass

    def used(n: int) -> None:
        for episode in add_cases(cast.hackney, n):
            break_glass.break_glass_open(
                actor=cast.southwark.supervisor,
                reference=episode.young_person.reference,
                reason="In crisis at our youth centre",
            )

    client = signed_in_client(cast.hackney.lead)
    used(1)
    response = assert_get_queries(client, reverse("cases:break-glass-uses"), 8)
    assert len(response.context["uses"]) == 1
    used(49)
    response = assert_get_queries(client, reverse("cases:break-glass-uses"), 8)
    assert len(response.context["uses"]) == 50


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
    assert_get_queries(client, url, YOUNG_PERSON_QUERIES)
    for day in range(2, 11):
        logged_session(
            episode,
            coach=cast.hackney.coach,
            days_ago=day,
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
    assert_get_queries(client, url, YOUNG_PERSON_QUERIES)


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
    one = get_queries(client, url)
    for _ in range(9):
        spend()
    assert_get_queries(client, url, one)


def test_london_table_queries_do_not_grow_with_reports_or_periods(cast):
    from accounts.models import Authority
    from outcomes.models import Report, ReportStatus
    from outcomes.selectors import last_whole_month

    month = last_whole_month(timezone.localdate())

    def made(authority, start, end) -> None:
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
    assert_get_queries(client, reverse("outcomes:london"), LONDON_TABLE_QUERIES)
    for authority in Authority.objects.filter(active=True)[:20]:
        made(authority, month.start, month.end)
        earlier = month.start - timedelta(days=1)
        made(authority, earlier.replace(day=1), earlier)
    made(None, month.start, month.end)
    assert_get_queries(client, reverse("outcomes:london"), LONDON_TABLE_QUERIES)


@pytest.mark.parametrize("api_list", api_lists(), ids=lambda api_list: api_list.basename)
def test_api_lists_run_the_same_queries_for_one_young_person_and_ten(cast, api_list):
    """The read audit of a list is one query for the rows' young people and one insert of an
    event per young person, however many rows (yourchoice/api/)."""
    client = signed_in_client(cast.by_name(api_list.reader))
    url = reverse(api_list.url_name)
    api_list.add_rows(cast, 1)
    one = get_queries(client, url)
    assert client.get(url).json()["results"], "the list must have rows to count queries for"
    api_list.add_rows(cast, 9)
    response = assert_get_queries(client, url, one)
    assert response.json()["results"]


def test_people_page_queries_do_not_grow_with_people_or_cover(cast):
    """A borough lead's people page (X8): the same queries for a few people and for ten more,
    each with roles, an invitation and cover."""
    from accounts.people import services as people_services

    lead = cast.hackney.lead
    client = signed_in_client(lead)
    url = reverse("people:list")

    def add(n: int) -> None:
        for _ in range(n):
            person = people_services.person_invite(
                actor=lead,
                email=f"person{next(_people)}@hackney.test",
                full_name="New Coach",
                team=cast.hackney.team,
                role="coach",
            )
            people_services.cover_arrange(
                actor=lead,
                team=cast.hackney.team,
                absent_coach=person,
                covering_coach=cast.hackney.coach,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + timedelta(days=3),
            )

    add(1)
    one = get_queries(client, url)
    add(10)
    assert_get_queries(client, url, one)


_people = iter(range(1, 1000))


#: The 4, the context, its links the reader sees with their young people and who linked and
#: ended them, the authorities it spans, the count of the links they do not see, the header's
#: count and the read audit of the young people shown: 10; a coach's page also finds her teams'
#: authorities, and a lead's its live break-glass grants (for the page's banner): 11.
CONTEXT_PAGE_QUERIES = {"coach": 11, "lead": 11}


@pytest.mark.parametrize("who", ["coach", "lead"])
def test_context_page_queries_are_the_same_for_one_link_and_fifty(cast, who):
    from tests.cases.test_contexts import link, record

    context = record(cast.hackney.coach, allocated_case(cast.hackney)).context
    client = signed_in_client(getattr(cast.hackney, who))
    url = reverse("cases:context", args=[context.pk])
    assert_get_queries(client, url, CONTEXT_PAGE_QUERIES[who])
    for n in range(49):
        coach = cast.hackney.coach if who == "lead" or n % 2 else cast.hackney.coach2
        link(cast.hackney.lead, context, allocated_case(cast.hackney, coach=coach))
    response = assert_get_queries(client, url, CONTEXT_PAGE_QUERIES[who])
    shown = response.content.decode().count("Since ")
    assert shown == (50 if who == "lead" else 25)
