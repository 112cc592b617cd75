"""The server's side of working without signal (S6, docs/offline.md): what a phone may keep,
the outbox's sends through the same form and service, and what changed meanwhile."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from celery import current_app
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.profile import services as profile_services
from outcomes import services as outcome_services
from outcomes.models import GoalStatus
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session, signed_in_client
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent, OutboxJob
from yourchoice.web.offline import owner_of

pytestmark = pytest.mark.django_db


def _form(episode, *, goals=(), key=None, **extra):
    now = timezone.localtime() - timedelta(minutes=5)
    data = {
        "idempotency_key": str(key or uuid.uuid4()),
        "opened_for": str(episode.pk),
        "goals_shown": " ".join(str(g.pk) for g in goals),
        "occurred_on_day": str(now.day),
        "occurred_on_month": str(now.month),
        "occurred_on_year": str(now.year),
        "occurred_time": now.strftime("%H:%M"),
        "attendance": "attended",
        "duration_minutes": "45",
        "place": "community",
        "feeling_start": "4",
        "feeling_end": "6",
        "notes": "Met in the park.",
    }
    for goal in goals:
        data[f"goal_{goal.pk}"] = "5"
    data.update(extra)
    return data


def _send(client, episode, data, *, owner):
    return client.post(
        reverse("sessions:log", args=[episode.young_person_id]),
        data,
        HTTP_X_OUTBOX="send",
        HTTP_X_OUTBOX_OWNER=owner,
        HTTP_ACCEPT="application/json",
    )


def _goal(episode, coach, text="Stay calm"):
    return outcome_services.goal_set(
        actor=coach,
        episode=episode,
        description=text,
        agreed_on=timezone.localdate() - timedelta(days=7),
        first_score=3,
    )


def _replace(coach, goal):
    outcome_services.goal_end(
        actor=coach,
        goal=goal,
        status=GoalStatus.REPLACED,
        version=goal.version,
        replacement="New goal",
        replacement_score=2,
    )


def test_state_says_whose_phone_it_is_and_what_it_keeps(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    answer = signed_in_client(coach).get(reverse("offline:state")).json()
    assert answer["owner"] == owner_of(coach) and answer["csrf"]
    kept = {c["url"]: c["source"] for c in answer["copies"]}
    person = episode.young_person_id
    assert kept[f"/young-people/{person}/"] == f"/young-people/{person}/on-this-phone/"
    assert kept[f"/young-people/{person}/sessions/new/"] == f"/young-people/{person}/sessions/new/"
    assert "/" in kept
    # Someone without a caseload keeps nothing: no list of names on their phone.
    assert signed_in_client(cast.hackney.lead).get(reverse("offline:state")).json()["copies"] == []
    assert signed_in_client(None).get(reverse("offline:state")).status_code == 401


def test_a_copy_changes_version_when_what_it_shows_changes(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    client = signed_in_client(coach)
    page = f"/young-people/{episode.young_person_id}/"

    def version():
        copies = client.get(reverse("offline:state")).json()["copies"]
        return next(c["version"] for c in copies if c["url"] == page)

    before = version()
    assert version() == before
    _goal(episode, coach)
    after_goal = version()
    assert after_goal != before
    logged_session(episode, coach=coach, days_ago=1)
    assert version() != after_goal


def test_the_kept_page_holds_the_least_of_the_record(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    _goal(episode, coach, "Get back into football")
    logged_session(
        episode,
        coach=coach,
        days_ago=2,
        notes="Private notes about home",
        between_session_task="Walk to school",
    )
    profile_services.key_contact_add(
        actor=coach,
        young_person=episode.young_person,
        name="Carer Person",
        relationship="Carer",
        phone="07700900123",
    )
    response = signed_in_client(coach).get(
        reverse("offline:young-person", args=[episode.young_person_id]), HTTP_X_OFFLINE_COPY="1"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Get back into football" in html and "Last rated 3 out of 10" in html
    assert "Walk to school" in html
    assert "Private notes about home" not in html
    assert "Carer Person" not in html and "07700900123" not in html
    dob = episode.young_person.date_of_birth
    assert dob.strftime("%-d %B %Y") not in html and dob.isoformat() not in html
    # Audited as a copy kept on the phone, not as a page the coach read.
    event = AuditEvent.objects.filter(young_person_id=episode.young_person_id).latest("pk")
    assert event.action == AuditAction.YOUNG_PERSON_OFFLINE_COPY


def test_only_those_who_see_the_record_get_its_kept_page(cast):
    episode = allocated_case(cast.hackney)
    url = reverse("offline:young-person", args=[episode.young_person_id])
    assert signed_in_client(cast.southwark.coach).get(url).status_code == 404
    assert signed_in_client(cast.hackney.coach2).get(url).status_code == 404


def test_a_send_from_the_outbox_is_stored_once_however_often_it_comes(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    client = signed_in_client(coach)
    data = _form(episode)
    answers = [_send(client, episode, data, owner=owner_of(coach)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.json()["outcome"] for a in answers} == {"saved"}
    assert SessionLog.objects.filter(idempotency_key=data["idempotency_key"]).count() == 1
    # Sent by a phone, not tapped now: no "session logged" left for the coach's next page.
    page = client.get(reverse("home"))
    assert "Session logged" not in page.content.decode()


def test_a_send_is_checked_like_the_form(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    data = _form(episode, feeling_end="11")
    answer = _send(signed_in_client(coach), episode, data, owner=owner_of(coach))
    assert answer.status_code == 400
    assert answer.json()["outcome"] == "invalid"
    assert answer.json()["errors"] == {
        "feeling_end": ["Choose how they felt at the end, from 0 to 10"]
    }
    assert not SessionLog.objects.filter(idempotency_key=data["idempotency_key"]).exists()


def test_an_item_kept_for_someone_else_is_never_saved(cast):
    episode = allocated_case(cast.hackney)
    data = _form(episode)
    answer = _send(
        signed_in_client(cast.hackney.coach), episode, data, owner=owner_of(cast.hackney.coach2)
    )
    assert answer.status_code == 409 and answer.json()["reason"] == "someone-else"
    assert not SessionLog.objects.filter(idempotency_key=data["idempotency_key"]).exists()


def test_a_case_closed_meanwhile_is_asked_about_not_saved(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    logged_session(episode, coach=coach, days_ago=3)
    closure = case_services.closure_request(
        actor=coach, episode=episode, ending_reason="planned", summary="Done"
    )
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    data = _form(episode)
    answer = _send(signed_in_client(coach), episode, data, owner=owner_of(coach))
    assert answer.status_code == 409
    assert answer.json()["reason"] == "closed"
    assert "has been closed" in answer.json()["message"]
    assert not SessionLog.objects.filter(idempotency_key=data["idempotency_key"]).exists()


def test_a_case_transferred_away_meanwhile_says_no_more_than_that_it_is_not_theirs(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    data = _form(episode)
    case_services.episode_transfer(
        actor=cast.hackney.lead, episode=episode, to_authority=cast.southwark.authority
    )
    answer = _send(signed_in_client(coach), episode, data, owner=owner_of(coach))
    assert answer.status_code == 409
    assert answer.json()["reason"] == "gone"
    assert "Southwark" not in answer.json()["message"]


def test_a_replaced_goal_is_asked_about_and_saved_without_its_rating_only_when_chosen(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    kept, replaced = (
        _goal(episode, coach, "Sleep before midnight"),
        _goal(episode, coach, "Old goal"),
    )
    data = _form(episode, goals=[kept, replaced])
    _replace(coach, replaced)
    client = signed_in_client(coach)
    answer = _send(client, episode, data, owner=owner_of(coach))
    assert answer.status_code == 409 and answer.json()["reason"] == "goal-changed"
    assert "\u201cOld goal\u201d" in answer.json()["message"]
    assert not SessionLog.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    answer = _send(client, episode, {**data, "without_changed_goals": "on"}, owner=owner_of(coach))
    assert answer.json()["outcome"] == "saved"
    log = SessionLog.objects.get(idempotency_key=data["idempotency_key"])
    assert [r.goal_id for r in log.goal_ratings.all()] == [kept.pk]


def test_on_the_page_a_replaced_goal_is_said_and_saving_again_saves_without_it(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney)
    replaced = _goal(episode, coach, "Old goal")
    data = _form(episode, goals=[replaced])
    _replace(coach, replaced)
    client = signed_in_client(coach)
    url = reverse("sessions:log", args=[episode.young_person_id])
    page = client.post(url, data)
    assert page.status_code == 409
    assert "A goal this session rates has been replaced" in page.content.decode()
    again = page.context["form"]
    assert again["goals_shown"].value() != data["goals_shown"]
    assert (
        client.post(url, {**data, "goals_shown": again["goals_shown"].value()}).status_code == 302
    )


def test_asking_the_supervisor_emails_them_by_reference_only(cast):
    coach = cast.hackney.coach
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    answer = signed_in_client(coach).post(
        reverse("offline:ask-supervisor"),
        {"reason": "closed", "young_person": str(episode.young_person_id)},
        HTTP_X_OUTBOX="send",
        HTTP_X_OUTBOX_OWNER=owner_of(coach),
    )
    assert answer.status_code == 200 and answer.json()["outcome"] == "saved"
    for job in OutboxJob.objects.order_by("pk"):
        current_app.tasks[job.task].apply(args=job.args).get()
        job.delete()
    [message] = mail.outbox
    assert message.to == [cast.hackney.supervisor.email]
    assert episode.young_person.reference in message.subject
    assert "Riley" not in f"{message.subject} {message.body}"
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_WAITING_ASKED, young_person_id=episode.young_person_id
    ).exists()
    refused = signed_in_client(coach).post(
        reverse("offline:ask-supervisor"), {"reason": "nonsense"}
    )
    assert refused.status_code == 400


def test_sign_out_wipes_the_phone_unless_sessions_wait_on_it(cast):
    url = reverse("accounts:sign-out")
    wiped = signed_in_client(cast.hackney.coach).post(url)
    assert wiped["Clear-Site-Data"] == '"cache", "storage"'
    kept = signed_in_client(cast.hackney.coach).post(url, {"phone_keeps": "waiting"})
    assert "Clear-Site-Data" not in kept


def test_the_service_worker_and_manifest_are_served_from_the_root(cast):
    client = signed_in_client(None)
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"] == "text/javascript"
    # A line, fetched on every page: the worker itself is a static file cached for a year.
    assert worker.content.decode() == 'importScripts("/static/js/service-worker.js");\n'
    assert finders.find("js/service-worker.js"), "the asset build makes the worker"
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
