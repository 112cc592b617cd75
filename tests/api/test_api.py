"""The REST API: tokens, the same visibility as pages, writes through services, one error shape."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tokens import api_token_issue, api_token_revoke
from sessions.models import SessionLog
from tests.conftest import allocated_case
from tests.queries import assert_database_query_count
from tests.service.routes import api_lists

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def bearer(cast, user) -> Client:
    _, key = api_token_issue(actor=cast.admin, user=user, name="Borough system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_coachs_token_reads_only_her_young_people(cast):
    mine = allocated_case(cast.hackney, given="Mine")
    allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Theirs")
    allocated_case(cast.southwark, given="Other")
    body = bearer(cast, cast.hackney.coach).get(reverse("api:young-person-list")).json()
    assert [yp["id"] for yp in body["results"]] == [mine.young_person_id]


def test_a_programme_leads_token_reads_no_named_young_person(cast):
    allocated_case(cast.hackney)
    client = bearer(cast, cast.programme_lead)
    assert client.get(reverse("api:young-person-list")).json()["results"] == []
    assert client.get(reverse("api:episode-list")).json()["results"] == []


def test_revoked_expired_and_unknown_tokens_are_refused(cast):
    token, key = api_token_issue(actor=cast.admin, user=cast.hackney.coach, name="x")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(reverse("api:episode-list")).status_code == 200
    api_token_revoke(actor=cast.admin, token=token)
    assert client.get(reverse("api:episode-list")).status_code == 401
    token2, key2 = api_token_issue(actor=cast.admin, user=cast.hackney.coach, name="y")
    ApiToken.objects.filter(pk=token2.pk).update(
        created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(days=1)
    )
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {key2}").get(reverse("api:episode-list")).status_code
        == 401
    )
    unknown = Client(HTTP_AUTHORIZATION="Bearer yc_not-a-token").get(reverse("api:episode-list"))
    assert unknown.status_code == 401
    assert unknown.json() == {
        "error": {"status": 401, "message": "The token is not valid.", "fields": {}}
    }


def test_tokens_are_stored_hashed(cast):
    token, key = api_token_issue(actor=cast.admin, user=cast.hackney.coach, name="x")
    assert key not in token.key_hash and token.prefix == key[:8]


def test_logging_a_session_is_idempotent_and_validated_like_the_page(cast):
    episode = allocated_case(cast.hackney)
    client = bearer(cast, cast.hackney.coach)
    payload = {
        "episode": episode.pk,
        "idempotency_key": str(uuid.uuid4()),
        "occurred_at": timezone.now().isoformat(),
        "attendance": "attended",
        "duration_minutes": 45,
        "place": "school",
        "techniques": ["problem-solving"],
    }
    url = reverse("api:session-log-list")
    first = client.post(url, payload, content_type="application/json")
    again = client.post(url, payload, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert SessionLog.objects.count() == 1
    bad = client.post(
        url,
        {**payload, "idempotency_key": str(uuid.uuid4()), "duration_minutes": None},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "duration_minutes" in bad.json()["error"]["fields"]


def test_writes_to_a_case_out_of_reach_are_refused_as_if_it_did_not_exist(cast):
    theirs = allocated_case(cast.southwark)
    response = bearer(cast, cast.hackney.coach).post(
        reverse("api:flag-list"),
        {
            "episode": theirs.pk,
            "category": "other",
            "level": "low",
            "summary": "s",
            "review_on": timezone.localdate().isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["fields"] == {
        "episode": ["No such episode."]
    }


def test_filters_are_checked(cast):
    client = bearer(cast, cast.hackney.lead)
    assert client.get(reverse("api:episode-list"), {"status": "nonsense"}).status_code == 400
    assert client.get(reverse("api:episode-list"), {"since": "31/01/2026"}).status_code == 400
    allocated_case(cast.hackney)
    assert client.get(reverse("api:episode-list"), {"status": "allocated"}).json()["count"] == 1


@pytest.mark.parametrize("api_list", api_lists(), ids=lambda api_list: api_list.basename)
def test_list_queries_do_not_grow_with_rows(cast, api_list):
    """Through a token, every list runs the same queries for the rows of 1 case and of 10."""
    client = bearer(cast, cast.by_name(api_list.reader))
    url = reverse(api_list.url_name)
    api_list.add_rows(cast, 1)
    client.get(url)  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).json()["results"], "the list must have rows to count queries for"
    api_list.add_rows(cast, 9)
    with assert_database_query_count(len(one)):
        assert client.get(url).json()["results"]


def test_the_schema_file_matches_the_code():
    """An unplanned change to the API fails here: regenerate openapi.yaml on purpose."""
    generated = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "yourchoice.test_settings"},
    )
    assert generated.returncode == 0, generated.stderr[-2000:]
    assert generated.stdout == (ROOT / "openapi.yaml").read_text(), (
        "The API changed: run `make openapi` and commit openapi.yaml"
    )


def test_docs_page_uses_only_local_assets(client):
    body = client.get(reverse("api:docs")).content.decode()
    assert "cdn" not in body.lower() and "/static/drf_spectacular_sidecar/" in body


def test_the_coachs_and_supervisors_writes_go_through_the_services(cast):
    from cases.models import EpisodeStatus
    from supervision.models import Action

    episode = allocated_case(cast.hackney)
    coach = bearer(cast, cast.hackney.coach)
    today = timezone.localdate().isoformat()

    goal = coach.post(
        reverse("api:goal-list"),
        {"episode": episode.pk, "description": "Stay calm", "agreed_on": today, "first_score": 2},
        content_type="application/json",
    )
    assert goal.status_code == 201
    goal_id = goal.json()["id"]
    rated = coach.post(
        reverse("api:goal-ratings", args=[goal_id]),
        {"score": 11, "rated_on": today},
        content_type="application/json",
    )
    assert rated.status_code == 400 and "score" in rated.json()["error"]["fields"]
    assert (
        coach.post(
            reverse("api:goal-ratings", args=[goal_id]),
            {"score": 6, "rated_on": today},
            content_type="application/json",
        ).status_code
        == 201
    )
    stale = coach.post(
        reverse("api:goal-end", args=[goal_id]),
        {"status": "achieved", "version": 99},
        content_type="application/json",
    )
    assert stale.status_code == 409 and "Someone else changed" in stale.json()["error"]["message"]

    measure = coach.post(
        reverse("api:measure-list"),
        {
            "episode": episode.pk,
            "occasion": "baseline",
            "completed_on": today,
            "item_answers": {str(n): 1 for n in range(1, 26)},
        },
        content_type="application/json",
    )
    assert measure.status_code == 201 and measure.json()["total_score"] == 20

    supervisor = bearer(cast, cast.hackney.supervisor)
    record = supervisor.post(
        reverse("api:supervision-record-list"),
        {
            "team": cast.hackney.team.pk,
            "held_on": today,
            "format": "individual",
            "coaches": [{"coach": cast.hackney.coach.pk, "wellbeing_checkin": "Fine"}],
            "discussions": [{"episode": episode.pk, "notes": "Going well"}],
            "actions": [
                {
                    "description": "Book review",
                    "owner": cast.hackney.coach.pk,
                    "due_on": today,
                    "episode": episode.pk,
                }
            ],
        },
        content_type="application/json",
    )
    assert record.status_code == 201
    action_id = Action.objects.get().pk
    assert coach.post(reverse("api:action-done", args=[action_id])).status_code == 200
    # The coach may not record supervision, nor decide on closure.
    assert (
        coach.post(
            reverse("api:supervision-record-list"),
            {"team": cast.hackney.team.pk, "held_on": today, "format": "group", "coaches": []},
            content_type="application/json",
        ).status_code
        == 400
    )

    asked = coach.post(
        reverse("api:episode-closure-request", args=[episode.pk]),
        {"ending_reason": "planned", "summary": "Goals met"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    refused = coach.post(
        reverse("api:episode-closure-decision", args=[episode.pk]),
        {"approve": True},
        content_type="application/json",
    )
    assert refused.status_code == 403
    decided = supervisor.post(
        reverse("api:episode-closure-decision", args=[episode.pk]),
        {"approve": True},
        content_type="application/json",
    )
    assert decided.status_code == 200
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSED


def test_a_retried_create_with_the_same_idempotency_key_makes_one_record(cast):
    from outcomes.models import Goal

    episode = allocated_case(cast.hackney)
    client = bearer(cast, cast.hackney.coach)
    body = {
        "episode": episode.pk,
        "description": "Go to school",
        "agreed_on": timezone.localdate().isoformat(),
        "first_score": 3,
    }
    first = client.post(
        reverse("api:goal-list"),
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    again = client.post(
        reverse("api:goal-list"),
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Goal.objects.filter(episode=episode).count() == 1
    other = client.post(
        reverse("api:flag-list"),
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert other.status_code == 400  # the key belongs to another request


def _issue_in_admin(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": cast.hackney.coach.pk, "name": "Hackney case system", "days": 30},
    )
    return client, response


def test_an_administrator_issues_a_token_shown_once_in_the_admin(cast, client_for):
    client, response = _issue_in_admin(cast, client_for)
    assert response.status_code == 200
    page = response.content.decode()
    assert "will not be shown again" in page
    key = page.split('<code id="api-token-secret">')[1].split("</code>")[0]
    assert key.startswith("yc_")
    token = ApiToken.objects.get(name="Hackney case system")
    assert token.user == cast.hackney.coach and token.key_hash != key
    listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert key not in listing
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(reverse("api:episode-list")).status_code
        == 200
    )


def test_a_new_tokens_secret_never_travels_in_a_cookie(cast, client_for, monkeypatch):
    """Shown on the page that answers the form, which nothing may keep, and in no cookie: not
    plainly, not base64-encoded, not inside the (signed, readable) messages cookie."""
    import base64

    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    monkeypatch.setattr("accounts.tokens.secrets.token_urlsafe", lambda n: "s3cret-Known-Value")
    key = "yc_s3cret-Known-Value"
    client, response = _issue_in_admin(cast, client_for)
    following = client.get(reverse("admin:accounts_apitoken_changelist"))
    encoded = {
        key,
        base64.b64encode(key.encode()).decode(),
        base64.urlsafe_b64encode(key.encode()).decode(),
    }
    for answer in (response, following):
        for name, morsel in answer.cookies.items():
            value = morsel.value
            assert not any(form in value for form in encoded), name
            if name == "messages" and value:
                storage = CookieStorage(RequestFactory().get("/"))
                decoded = storage._decode(value) or []  # type: ignore[attr-defined]  # private: not in django-stubs
                assert all(key not in str(m) for m in decoded)
    assert key not in following.content.decode()
    assert key in response.content.decode() and "no-store" in response["Cache-Control"]


def test_api_answers_are_not_cached(cast):
    response = bearer(cast, cast.hackney.coach).get(reverse("api:episode-list"))
    assert response["Cache-Control"] == "no-store"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_goal_ratings_read_as_the_schema_says(cast):
    """The goal list writes its ratings out by hand for speed: the same as DRF's fields give."""
    from rest_framework import serializers

    from outcomes import services as outcome_services
    from outcomes.api import GoalRatingSerializer

    episode = allocated_case(cast.hackney)
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Stay in school",
        agreed_on=timezone.localdate() - timedelta(days=3),
        first_score=3,
    )
    outcome_services.goal_rate(
        actor=cast.hackney.coach, goal=goal, score=6, rated_on=timezone.localdate()
    )
    body = bearer(cast, cast.hackney.coach).get(reverse("api:goal-list")).json()
    (listed,) = body["results"]
    by_fields = [
        serializers.ModelSerializer.to_representation(GoalRatingSerializer(), rating)
        for rating in goal.ratings.order_by("rated_on")
    ]
    assert sorted(listed["ratings"], key=lambda r: r["rated_on"]) == by_fields
    assert [r["score"] for r in by_fields] == [3, 6]


def _api_posts():
    from tests.service.routes import service_routes

    return [
        route
        for route in service_routes()
        if route.is_api and "post" in (getattr(route.callback, "actions", None) or {})
    ]


def test_every_api_view_bounds_the_depth_of_json_bodies():
    from rest_framework.parsers import JSONParser

    from tests.service.routes import service_routes
    from yourchoice.api.parsers import BoundedJSONParser

    unbounded = sorted(
        route.name
        for route in service_routes()
        if route.is_api
        for parser in getattr(getattr(route.callback, "cls", None), "parser_classes", [])
        if issubclass(parser, JSONParser) and not issubclass(parser, BoundedJSONParser)
    )
    assert unbounded == []


@pytest.mark.parametrize("route", _api_posts(), ids=lambda route: route.name)
def test_a_body_nested_a_thousand_deep_is_refused_in_the_error_shape(cast, route):
    """Every API write, by someone who may make it: a plain 400, never a server error."""
    from tests.service.routes import Owner

    owner = Owner(cast.hackney, cast.hackney.coach)
    url = reverse(route.name, kwargs={name: owner.id_of(kind) for name, kind in route.ids.items()})
    deep = "[" * 1000 + "]" * 1000
    answers = []
    # The coach, her supervisor and her borough lead between them make every kind of write.
    for user in (cast.hackney.coach, cast.hackney.supervisor, cast.hackney.lead):
        client = bearer(cast, user)
        for body in (deep, '{"episode": ' + "[" * 40 + "]" * 40 + "}"):
            response = client.post(url, body, content_type="application/json")
            assert response.status_code < 500, f"{route.name}: {response.status_code}"
            answers.append((response.status_code, response.json().get("error", {}).get("message")))
    too_deep = (400, "The body is nested too deeply: at most 32 levels of objects and arrays.")
    # A write that reads no body (marking an action done) never parses it; those who may not
    # make a write (403) are not asked what they sent.
    made = [(status, message) for status, message in answers if status != 403]
    assert made, f"{route.name}: nobody here may make it"
    assert too_deep in made or all(200 <= status < 300 for status, _ in made), answers


def test_a_body_that_is_not_json_is_answered_plainly(cast):
    response = bearer(cast, cast.hackney.coach).post(
        reverse("api:flag-list"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"status": 400, "message": "The body is not valid JSON.", "fields": {}}
    }


def test_an_unknown_sdq_scale_is_named_in_the_error_shape(cast):
    episode = allocated_case(cast.hackney)
    client = bearer(cast, cast.hackney.coach)
    body: dict[str, Any] = {
        "episode": episode.pk,
        "occasion": "baseline",
        "completed_on": timezone.localdate().isoformat(),
        "scale_scores": {"emotional": 3, "bogus": 2},
    }
    response = client.post(reverse("api:measure-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "scale_scores": [
            "Use only the SDQ scales: emotional, conduct, hyperactivity, peer, prosocial."
        ]
    }
    # A scale left out was not scored, as on the paper form: no Python error either.
    del body["scale_scores"]["bogus"]
    recorded = client.post(reverse("api:measure-list"), body, content_type="application/json")
    assert recorded.status_code == 201, recorded.json()


def test_the_idempotency_key_header_is_enough_to_log_a_session(cast):
    episode = allocated_case(cast.hackney)
    client = bearer(cast, cast.hackney.coach)
    url = reverse("api:session-log-list")
    body = {
        "episode": episode.pk,
        "occurred_at": timezone.now().isoformat(),
        "attendance": "did_not_attend",
    }
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="visit-7")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="visit-7")
    assert first.status_code == 201, first.json()
    assert again.json()["id"] == first.json()["id"]
    assert SessionLog.objects.count() == 1
    # A UUID header is the session's own key; the body may repeat it, but not contradict it.
    key = str(uuid.uuid4())
    both = client.post(
        url,
        {**body, "idempotency_key": key},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert both.status_code == 201 and both.json()["idempotency_key"] == key
    differ = client.post(
        url,
        {**body, "idempotency_key": str(uuid.uuid4())},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert differ.status_code == 400 and "idempotency_key" in differ.json()["error"]["fields"]
    neither = client.post(url, body, content_type="application/json")
    assert neither.status_code == 400
    assert neither.json()["error"]["fields"] == {
        "idempotency_key": ["Send an Idempotency-Key header or an idempotency_key."]
    }
    assert SessionLog.objects.count() == 2
