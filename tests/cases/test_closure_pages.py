"""A supervisor decides on a coach's request to close a case, in the browser's forms (V4)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases import services
from cases.models import EpisodeStatus
from tests.conftest import allocated_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def closure(cast):
    episode = allocated_case(cast.hackney)
    return services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Goals met"
    )


def test_supervisor_sees_the_request_on_the_case_and_approves_it(cast, client_for, closure):
    client = client_for(cast.hackney.supervisor)
    page = client.get(reverse("cases:young-person", args=[closure.episode.young_person_id]))
    assert "Closure awaiting approval" in page.content.decode()
    url = reverse("cases:closure-decide", args=[closure.pk])
    assert url in page.content.decode()
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    closure.episode.refresh_from_db()
    assert closure.episode.status == EpisodeStatus.CLOSED


def test_the_coach_sees_the_request_but_no_way_to_decide(cast, client_for, closure):
    client = client_for(cast.hackney.coach)
    page = client.get(reverse("cases:young-person", args=[closure.episode.young_person_id]))
    assert "Closure awaiting approval" in page.content.decode()
    assert reverse("cases:closure-decide", args=[closure.pk]) not in page.content.decode()
    assert (
        client.post(
            reverse("cases:closure-decide", args=[closure.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )


def test_returning_without_a_comment_says_what_to_fix_and_keeps_the_choice(
    cast, client_for, closure
):
    client = client_for(cast.hackney.supervisor)
    url = reverse("cases:closure-decide", args=[closure.pk])
    response = client.post(url, {"decision": "return", "comment": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Say why the request is returned" in body
    match = re.search(r'<input[^>]*value="return"[^>]*>', body)
    assert match is not None
    returned = match.group(0)
    assert "checked" in returned  # the choice made is kept
    response = client.post(url, {"decision": "return", "comment": "Try one more home visit"})
    assert response.status_code == 302
    coach_page = client_for(cast.hackney.coach).get(
        reverse("cases:young-person", args=[closure.episode.young_person_id])
    )
    assert "Try one more home visit" in coach_page.content.decode()


def test_coach_asks_to_close_and_is_warned_the_end_measure_is_missing(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.coach)
    url = reverse("cases:closure-request", args=[episode.young_person_id])
    form = client.get(url).content.decode()
    assert "The end SDQ has not been recorded" in form
    empty = client.post(url, {"ending_reason": "planned", "summary": ""})
    assert (
        empty.status_code == 400
        and "Say briefly why the case should close" in empty.content.decode()
    )
    assert client.post(url, {"ending_reason": "planned", "summary": "Goals met"}).status_code == 302
    page = client.get(
        reverse("cases:young-person", args=[episode.young_person_id])
    ).content.decode()
    assert "Closure awaiting approval" in page
    assert url not in page  # no second request while one waits


def test_after_approval_a_re_referral_opens_a_new_episode_for_the_same_young_person(cast, closure):
    services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    young_person = closure.episode.young_person
    again = services.referral_create(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        details=services.YoungPersonDetails("x", "y", young_person.date_of_birth),
        referrer_name="R",
        referrer_organisation="O",
        received_on=closure.episode.referred_on,
        panel_date=closure.episode.referred_on,
        risk_level="high",
        harms=["weapons"],
        consent_given=True,
        existing_young_person=young_person,
    )
    assert again.pk != closure.episode_id and again.young_person_id == young_person.pk
    assert again.status == EpisodeStatus.REFERRED


def coaching_supervisor(cast):
    """The Hackney supervisor also coaches in her team (docs/programme.md: roles combine)."""
    from accounts.models import Membership, Role

    supervisor = cast.hackney.supervisor
    Membership.objects.create(user=supervisor, role=Role.COACH, team=cast.hackney.team)
    return supervisor


def test_a_supervisor_who_also_coaches_cannot_approve_her_own_closure_request(cast, client_for):
    supervisor = coaching_supervisor(cast)
    episode = allocated_case(cast.hackney, coach=supervisor)
    closure = services.closure_request(
        actor=supervisor, episode=episode, ending_reason="planned", summary="Goals met"
    )
    client = client_for(supervisor)
    case_page = client.get(reverse("cases:young-person", args=[episode.young_person_id]))
    url = reverse("cases:closure-decide", args=[closure.pk])
    assert "Closure awaiting approval" in case_page.content.decode()
    assert url not in case_page.content.decode()

    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Goals met" in body
    assert "another supervisor must approve or return it" in body
    assert 'value="approve"' not in body and "Save decision" not in body

    refused = client.post(url, {"decision": "approve"})
    assert refused.status_code == 400
    assert "another supervisor must approve or return it" in refused.content.decode()
    closure.refresh_from_db()
    episode.refresh_from_db()
    assert closure.decision == "pending" and episode.status != EpisodeStatus.CLOSED


def test_the_decision_page_warns_of_a_missing_end_sdq_and_open_flags(cast, client_for, closure):
    from datetime import timedelta

    from django.utils import timezone

    client = client_for(cast.hackney.supervisor)
    url = reverse("cases:closure-decide", args=[closure.pk])
    body = client.get(url).content.decode()
    assert "The end SDQ has not been recorded yet" in body
    assert 'data-testid="open-flags"' not in body
    for _ in range(2):
        services.flag_raise(
            actor=cast.hackney.coach,
            episode=closure.episode,
            category="exploitation",
            level="high",
            summary="Seen with older men",
            review_on=timezone.localdate() + timedelta(days=7),
        )
    body = client.get(url).content.decode()
    assert "2 flags are still open on this case" in body
    assert body.count("govuk-warning-text__icon") == 2


def test_the_coach_sees_a_returned_closure_request_on_her_home_page_until_she_acts(
    cast, client_for, closure
):
    coach = client_for(cast.hackney.coach)

    def returned_on_home(client) -> str:
        body = client.get(reverse("home")).content.decode()
        return (
            body.split('data-testid="returned-closures"', 1)[1]
            if "returned-closures" in body
            else ""
        )

    assert returned_on_home(coach) == ""  # waiting, not returned
    services.closure_decide(
        actor=cast.hackney.supervisor, closure=closure, approve=False, comment="One more visit"
    )
    shown = returned_on_home(coach)
    assert "One more visit" in shown and closure.episode.young_person.reference in shown
    assert "Hackney Supervisor returned the request" in shown
    assert returned_on_home(client_for(cast.hackney.coach2)) == ""  # not her case

    again = services.closure_request(
        actor=cast.hackney.coach, episode=closure.episode, ending_reason="planned", summary="Done"
    )
    assert returned_on_home(coach) == ""  # she acted: a new request
    services.closure_decide(
        actor=cast.hackney.supervisor, closure=again, approve=False, comment="Book the end SDQ"
    )
    shown = returned_on_home(coach)
    assert "Book the end SDQ" in shown and "One more visit" not in shown
    last = services.closure_request(
        actor=cast.hackney.coach, episode=closure.episode, ending_reason="planned", summary="Done"
    )
    services.closure_decide(actor=cast.hackney.supervisor, closure=last, approve=True)
    assert returned_on_home(coach) == ""  # the case is closed
