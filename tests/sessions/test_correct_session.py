"""Correcting any part of a session within the correction window (S8), versioned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from outcomes import services as outcome_services
from sessions.models import Attendance, SessionLog, Technique
from tests.conftest import allocated_case, logged_session
from tests.forms import submitted
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(cast):
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Stay calm at school",
        agreed_on=timezone.localdate() - timedelta(days=10),
        first_score=2,
    )
    log = logged_session(
        episode, feeling_start=3, feeling_end=5, goal_scores={goal.pk: 4}, notes="First go."
    )
    return episode, goal, log


def test_the_coach_corrects_any_part_of_a_session(cast, client_for, setting):
    episode, goal, log = setting
    url = reverse("sessions:correct", args=[log.pk])
    client = client_for(cast.hackney.coach)
    form = submitted(client.get(url).content)
    assert form["feeling_end"] == "5" and form[f"goal_{goal.pk}"] == "4"
    technique = Technique.objects.filter(active=True).order_by("pk")[0]
    response = client.post(
        url,
        {
            **form,
            "feeling_end": "7",
            f"goal_{goal.pk}": "6",
            "techniques": [str(technique.pk)],
            "notes": "Second look.",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "sessions:detail", args=[log.pk]
    )
    log.refresh_from_db()
    assert (log.feeling_start, log.feeling_end, log.notes, log.version) == (
        3,
        7,
        "Second look.",
        2,
    )
    assert list(log.techniques.all()) == [technique]
    assert {r.goal_id: r.score for r in log.goal_ratings.all()} == {goal.pk: 6}
    event = AuditEvent.objects.get(action=AuditAction.SESSION_CORRECT)
    assert event.detail["fields"] == ["feeling_end", "notes", "techniques and goal ratings"]


def test_a_session_corrected_to_missed_keeps_no_length_place_feelings_or_ratings(
    cast, client_for, setting
):
    _, goal, log = setting
    url = reverse("sessions:correct", args=[log.pk])
    client = client_for(cast.hackney.coach)
    form = submitted(client.get(url).content)
    assert client.post(url, {**form, "attendance": Attendance.DID_NOT_ATTEND}).status_code == 302
    log.refresh_from_db()
    assert (log.attendance, log.duration_minutes, log.place, log.feeling_start) == (
        Attendance.DID_NOT_ATTEND,
        None,
        "",
        None,
    )
    assert not log.goal_ratings.exists()


def test_a_correction_from_a_stale_page_is_refused_and_shows_what_changed(
    cast, client_for, setting
):
    _, _, log = setting
    url = reverse("sessions:correct", args=[log.pk])
    first, second = client_for(cast.hackney.coach), client_for(cast.hackney.coach)
    mine, theirs = submitted(first.get(url).content), submitted(second.get(url).content)
    assert second.post(url, {**theirs, "feeling_start": "6"}).status_code == 302
    response = first.post(url, {**mine, "notes": "Mine."})
    assert response.status_code == 409
    body = response.content.decode()
    assert "How they felt at the start: was \u20183\u2019, now \u20186\u2019" in body
    log.refresh_from_db()
    assert (log.feeling_start, log.notes) == (6, "First go.")


def test_after_the_window_the_session_offers_an_addendum_instead(cast, client_for, setting):
    _, _, log = setting
    SessionLog.objects.filter(pk=log.pk).update(created_at=timezone.now() - timedelta(days=2))
    client = client_for(cast.hackney.coach)
    response = client.get(reverse("sessions:correct", args=[log.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "can no longer be corrected" in page and "Add addendum" in page
    assert "Correct any part of this session" not in page


@override_settings(SESSION_NOTES_CORRECTION_MINUTES=60)
def test_the_session_page_links_to_the_correction_within_the_window(cast, client_for, setting):
    _, _, log = setting
    page = client_for(cast.hackney.coach).get(reverse("sessions:detail", args=[log.pk]))
    assert reverse("sessions:correct", args=[log.pk]) in page.content.decode()
