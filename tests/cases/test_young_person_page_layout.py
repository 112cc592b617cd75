"""The young person's page puts this week's work first, dials key contacts, and pages its
timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.profile import services as profile_services
from casework.views import TIMELINE_PAGE_SIZE
from tests.conftest import allocated_case, logged_session

pytestmark = pytest.mark.django_db


def test_goals_flags_and_measures_come_before_the_details(cast, client_for):
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("cases:young-person", args=[episode.young_person_id]))
        .content.decode()
    )
    order = [
        body.index(f'<h2 class="govuk-heading-m">{h}')
        for h in ("Goals", "Flags", "Measures", "About")
    ]
    assert order == sorted(order)


def test_a_key_contacts_number_is_a_link_that_dials_it(cast, client_for):
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    profile_services.key_contact_add(
        actor=cast.hackney.coach,
        young_person=episode.young_person,
        name="Sam Example",
        relationship="mother",
        phone="+44 7700 900123",
    )
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("cases:young-person", args=[episode.young_person_id]))
        .content.decode()
    )
    assert 'href="tel:+447700900123"' in body and "(call Sam Example)" in body


def test_the_timeline_shows_a_page_at_a_time_newest_first(cast, client_for):
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    for days_ago in range(TIMELINE_PAGE_SIZE + 5):
        logged_session(episode, days_ago=days_ago + 1)
    client = client_for(cast.hackney.coach)
    url = reverse("cases:young-person", args=[episode.young_person_id])
    first = client.get(url)
    assert len(first.context["timeline"].object_list) == TIMELINE_PAGE_SIZE
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(url, {"page": 2})
    entries = list(first.context["timeline"].object_list) + list(
        second.context["timeline"].object_list
    )
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    assert client.get(url, {"page": "999"}).status_code == 200  # the last page, not an error
