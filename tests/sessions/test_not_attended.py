"""A session that did not happen stores no length, place, feelings or goal ratings, whichever
way it is logged (the page without JavaScript, the API), and the database refuses one that does."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from outcomes import services as outcome_services
from outcomes.models import GoalRating
from sessions.models import Attendance, SessionLog
from tests.api.test_api import bearer
from tests.conftest import allocated_case, new_key
from tests.sessions.test_log_session_page import form_data

pytestmark = pytest.mark.django_db

NOT_HELD = [a for a in Attendance.values if a != Attendance.ATTENDED]


@pytest.mark.parametrize("attendance", NOT_HELD)
def test_a_session_that_did_not_happen_stores_no_length_place_feelings_or_ratings(
    cast, client_for, attendance
):
    """The page as sent without JavaScript: the usual length and place still filled in, and
    feelings and a goal rating typed before the coach chose what happened."""
    episode = allocated_case(cast.hackney)
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Stay calm",
        agreed_on=timezone.localdate() - timedelta(days=7),
        first_score=2,
    )
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]),
        form_data(episode, attendance=attendance, **{f"goal_{goal.pk}": "6"}),
    )
    assert response.status_code == 302
    log = SessionLog.objects.get(episode=episode)
    assert log.attendance == attendance
    assert (log.duration_minutes, log.place, log.feeling_start, log.feeling_end) == (
        None,
        "",
        None,
        None,
    )
    assert not GoalRating.objects.filter(session_log=log).exists()


def test_a_mistyped_length_does_not_stop_a_missed_session_being_saved(cast, client_for):
    episode = allocated_case(cast.hackney)
    response = client_for(cast.hackney.coach).post(
        reverse("sessions:log", args=[episode.young_person_id]),
        form_data(episode, attendance="did_not_attend", duration_minutes="an hour"),
    )
    assert response.status_code == 302
    assert SessionLog.objects.get(episode=episode).duration_minutes is None


def test_a_missed_session_sent_through_the_api_stores_no_length_or_place(cast):
    episode = allocated_case(cast.hackney)
    response = bearer(cast, cast.hackney.coach).post(
        reverse("api:session-log-list"),
        {
            "episode": episode.pk,
            "idempotency_key": str(uuid.uuid4()),
            "occurred_at": timezone.now().isoformat(),
            "attendance": "did_not_attend",
            "duration_minutes": 60,
            "place": "community",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (response.json()["duration_minutes"], response.json()["place"]) == (None, "")


def test_the_session_page_marks_the_questions_a_missed_session_has_no_answer_to(cast, client_for):
    episode = allocated_case(cast.hackney)
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Stay calm",
        agreed_on=timezone.localdate(),
        first_score=2,
    )
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("sessions:log", args=[episode.young_person_id]))
        .content.decode()
    )
    assert (
        f'data-held-only="duration_minutes place feeling_start feeling_end goal_{goal.pk} '
        'techniques"' in body
    )
    assert "js/attendance.mjs" in body


@pytest.mark.parametrize(
    "stored", [{"duration_minutes": 60}, {"place": "community"}, {"feeling_end": 4}]
)
def test_the_database_refuses_a_missed_session_with_a_length_place_or_feeling(cast, stored):
    episode = allocated_case(cast.hackney)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionLog.objects.create(
            episode=episode,
            coach=cast.hackney.coach,
            recorded_by=cast.hackney.coach,
            occurred_at=timezone.now(),
            attendance="cancelled_coach",
            idempotency_key=new_key(),
            **stored,
        )


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_clears_what_missed_sessions_kept(cast):
    episode = allocated_case(cast.hackney)
    before = [("coaching", "0003_session_log_version")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("coaching", "SessionLog")
    common = dict(
        episode_id=episode.pk,
        coach_id=cast.hackney.coach.pk,
        recorded_by_id=cast.hackney.coach.pk,
        occurred_at=timezone.now(),
        duration_minutes=60,
        place="community",
    )
    missed = old._default_manager.create(
        **common, attendance="did_not_attend", idempotency_key=new_key()
    )
    held = old._default_manager.create(
        **common, attendance="attended", feeling_start=4, idempotency_key=new_key()
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {
        row["pk"]: row
        for row in SessionLog.objects.values("pk", "duration_minutes", "place", "feeling_start")
    }
    assert rows[missed.pk] == {
        "pk": missed.pk,
        "duration_minutes": None,
        "place": "",
        "feeling_start": None,
    }
    assert rows[held.pk] == {
        "pk": held.pk,
        "duration_minutes": 60,
        "place": "community",
        "feeling_start": 4,
    }
