"""Logging a session in the browser's form: defaults, one record per submit, errors keep input."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outcomes import services as outcome_services
from sessions.models import SessionLog, Technique
from tests.conftest import allocated_case, logged_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(cast):
    return allocated_case(cast.hackney)


def form_data(episode, **overrides):
    techniques = list(Technique.objects.values_list("pk", flat=True)[:2])
    # A few minutes ago, whatever the hour the suite runs at: a fixed time of day would be in
    # the future (and refused) for a run early in the morning.
    when = timezone.localtime() - timedelta(minutes=5)
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "occurred_on": when.date().isoformat(),
        "occurred_time": when.strftime("%H:%M"),
        "attendance": "attended",
        "duration_minutes": "45",
        "place": "community",
        "techniques": techniques,
        "feeling_start": "3",
        "feeling_end": "7",
        "between_session_task": "Walk to school with a friend",
        "notes": "Talked about the weekend.",
    }
    data.update(overrides)
    return data


def test_the_form_starts_with_today_and_the_usual_place_and_length(cast, client_for, episode):
    logged_session(
        episode,
        coach=cast.hackney.coach,
        days_ago=2,
        duration_minutes=90,
        place="youth_centre",
    )
    response = client_for(cast.hackney.coach).get(
        reverse("sessions:log", args=[episode.young_person_id])
    )
    form = response.context["form"]
    body = response.content.decode()
    today = timezone.localdate()
    # Day, month and year boxes, in that order whatever the phone's language.
    for box, value in (("day", today.day), ("month", today.month), ("year", today.year)):
        assert re.search(rf'name="occurred_on_{box}"[^>]*value="{value}"', body), box
    assert form.initial["occurred_on"] == timezone.localdate()
    assert form.initial["place"] == "youth_centre"
    assert form.initial["duration_minutes"] == 90
    assert form.initial["attendance"] == "attended"


def test_a_session_with_techniques_feelings_and_goal_ratings_is_logged(cast, client_for, episode):
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Stay calm",
        agreed_on=timezone.localdate() - timedelta(days=7),
        first_score=2,
    )
    client = client_for(cast.hackney.coach)
    response = client.post(
        reverse("sessions:log", args=[episode.young_person_id]),
        form_data(episode, **{f"goal_{goal.pk}": "6"}),
    )
    assert response.status_code == 302
    log = SessionLog.objects.get(episode=episode)
    assert log.techniques.count() == 2
    assert (log.feeling_start, log.feeling_end) == (3, 7)
    assert log.goal_ratings.get().score == 6
    page = client.get(response["Location"])
    assert "Session logged:" in page.content.decode()


def test_submitting_the_same_form_twice_records_one_session(cast, client_for, episode):
    client = client_for(cast.hackney.coach)
    data = form_data(episode)
    url = reverse("sessions:log", args=[episode.young_person_id])
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert SessionLog.objects.filter(episode=episode).count() == 1
    assert "This session was already logged:" in client.get(second["Location"]).content.decode()


@pytest.mark.parametrize("bad_date", ["2026-02-30", "not a date", ""])
def test_an_invalid_date_keeps_everything_else_as_typed(cast, client_for, episode, bad_date):
    data = form_data(episode, occurred_on=bad_date)
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]), data
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Walk to school with a friend" in body and "Talked about the weekend." in body
    assert re.search(r'name="duration_minutes"[^>]*value="45"', body)
    assert re.search(r'value="community"\s*checked', body)
    assert data["idempotency_key"] in body  # the same key, so a corrected resend is still one
    assert not SessionLog.objects.exists()


def test_a_future_date_is_refused_by_the_service_and_the_form_keeps_input(
    cast, client_for, episode
):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]),
        form_data(episode, occurred_on=future),
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()


def test_a_safeguarding_concern_needs_a_description(cast, client_for, episode):
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]),
        form_data(episode, safeguarding_concern="on"),
    )
    assert response.status_code == 400
    assert "Describe the safeguarding concern." in response.content.decode()


def test_notes_can_be_corrected_in_the_window_then_only_added_to(
    cast, client_for, episode, settings
):
    log = logged_session(
        episode,
        coach=cast.hackney.coach,
        duration_minutes=30,
        notes="First version",
    )
    client = client_for(cast.hackney.coach)
    url = reverse("sessions:detail", args=[log.pk])
    assert client.post(url, {"notes-notes": "Corrected", "notes-version": 1}).status_code == 302
    log.refresh_from_db()
    assert log.notes == "Corrected"

    settings.SESSION_NOTES_CORRECTION_MINUTES = 0
    page = client.get(url).content.decode()
    assert "The notes are locked" in page
    refused = client.post(url, {"notes-notes": "Rewritten", "notes-version": 2})
    assert refused.status_code == 400
    missing_reason = client.post(url, {"addendum-text": "Also spoke to mum."})
    assert missing_reason.status_code == 400
    assert "Also spoke to mum." in missing_reason.content.decode()
    added = client.post(url, {"addendum-text": "Also spoke to mum.", "addendum-reason": "Forgot"})
    assert added.status_code == 302
    page = client.get(url).content.decode()
    assert "Also spoke to mum." in page and "Why: Forgot" in page
    log.refresh_from_db()
    assert log.notes == "Corrected"


def test_a_future_date_is_marked_on_the_first_submit_beside_the_other_errors(
    cast, client_for, episode
):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]),
        form_data(episode, occurred_on=future, duration_minutes="an hour"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "cannot be in the future" in errors["occurred_on"][0]
    assert errors["duration_minutes"] == ["Enter how long the session lasted in minutes, like 60"]
    body = response.content.decode()
    # The summary links to the day box of the date, and the folded line opens to show it.
    assert 'href="#id_occurred_on_day"' in body and 'id="when-and-where" open' in body


def test_a_choice_left_out_links_to_its_first_option(cast, client_for, episode):
    data = form_data(episode)
    del data["attendance"]
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]), data
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_attendance_1">Choose whether the session happened</a>' in body
    assert 'id="id_attendance_1"' in body
