"""Two coaches correcting the same session's notes (the coach, and a colleague covering for
her): the second correction made from notes that have since changed is refused, shown what
changed, and keeps what she typed. Nothing is written over."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Cover
from sessions import services
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session
from tests.forms import submitted
from yourchoice.data.errors import StaleVersion
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(cast) -> SessionLog:
    episode = allocated_case(cast.hackney)
    Cover.objects.create(
        team=cast.hackney.team,
        absent_coach=cast.hackney.coach,
        covering_coach=cast.hackney.coach2,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        arranged_by=cast.hackney.supervisor,
    )
    session = logged_session(
        episode,
        coach=cast.hackney.coach,
        duration_minutes=45,
        notes="Talked about school.",
    )
    return session


def test_a_correction_from_stale_notes_is_refused(cast, log):
    services.session_notes_correct(
        actor=cast.hackney.coach2, session_log=log, notes="Talked about school and home.", version=1
    )
    with pytest.raises(StaleVersion) as refused:
        services.session_notes_correct(
            actor=cast.hackney.coach, session_log=log, notes="Talked about football.", version=1
        )
    assert refused.value.changed_by == cast.hackney.coach2.full_name
    log.refresh_from_db()
    assert (log.notes, log.version) == ("Talked about school and home.", 2)
    event = AuditEvent.objects.get(action="session.correct_notes")
    assert event.detail == {"fields": ["notes"], "version": 2}


def test_the_second_coach_gets_409_sees_the_new_notes_and_keeps_hers(cast, client_for, log):
    url = reverse("sessions:detail", args=[log.pk])
    coach, cover = client_for(cast.hackney.coach), client_for(cast.hackney.coach2)
    coachs_form = submitted(coach.get(url).content)
    covers_form = submitted(cover.get(url).content)
    assert coachs_form["notes-version"] == "1"

    saved = cover.post(url, {**covers_form, "notes-notes": "Talked about school and home."})
    assert saved.status_code == 302
    response = coach.post(url, {**coachs_form, "notes-notes": "Talked about football."})
    assert response.status_code == 409
    body = response.content.decode()
    assert f"{cast.hackney.coach2.full_name} saved changes after you opened this page" in body
    assert (
        "Notes: was \u2018Talked about school.\u2019, now \u2018Talked about school and home.\u2019"
        ". You entered \u2018Talked about football.\u2019" in body
    )
    again = submitted(body)
    assert again["notes-notes"] == "Talked about football." and again["notes-version"] == "2"
    log.refresh_from_db()
    assert log.notes == "Talked about school and home."

    # Having seen both, she writes what is true and saves: a decision, not an accident.
    merged = {**again, "notes-notes": "Talked about school, home and football."}
    assert coach.post(url, merged).status_code == 302
    log.refresh_from_db()
    assert (log.notes, log.version) == ("Talked about school, home and football.", 3)


def test_a_second_tab_of_the_same_coach_is_told_it_was_her(cast, client_for, log):
    url = reverse("sessions:detail", args=[log.pk])
    client = client_for(cast.hackney.coach)
    first_tab, second_tab = submitted(client.get(url).content), submitted(client.get(url).content)
    assert client.post(url, {**first_tab, "notes-notes": "One"}).status_code == 302
    response = client.post(url, {**second_tab, "notes-notes": "Two"})
    assert response.status_code == 409
    assert "You, in another window or tab, saved changes" in response.content.decode()
