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
def closure(cast):  # type: ignore[no-untyped-def]
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
    returned = re.search(r'<input[^>]*value="return"[^>]*>', body).group(0)
    assert "checked" in returned  # the choice made is kept
    response = client.post(url, {"decision": "return", "comment": "Try one more home visit"})
    assert response.status_code == 302
    coach_page = client_for(cast.hackney.coach).get(
        reverse("cases:young-person", args=[closure.episode.young_person_id])
    )
    assert "Try one more home visit" in coach_page.content.decode()
