"""Headers, health, and a queue that is down not stopping a coach's work."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import services as session_services
from sessions.models import SessionLog
from tests.conftest import allocated_case, new_key
from yourchoice.celery import app

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy_and_security_headers(cast, client_for):
    response = client_for(cast.hackney.coach).get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_health_reports_each_dependency(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok", "jobs_waiting": 0}


def _fresh_connections() -> None:
    """Forget pooled broker connections so the next send dials the configured broker.

    (Closing them would close kombu's shared producer pools for every later test.)
    """
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def queue_down():
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # a real connection attempt; nothing listens
    _fresh_connections()
    yield
    app.conf.broker_url = original
    _fresh_connections()


def test_health_says_when_the_queue_is_down(client, queue_down):
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["queue"] == "unavailable"


def test_a_session_with_a_concern_is_saved_when_the_queue_is_down(
    cast, queue_down, django_capture_on_commit_callbacks
):
    episode = allocated_case(cast.hackney)
    with django_capture_on_commit_callbacks(execute=True):
        log, created = session_services.session_log(
            actor=cast.hackney.coach,
            episode=episode,
            idempotency_key=new_key(),
            occurred_at=timezone.now(),
            attendance="attended",
            duration_minutes=30,
            place="school",
            safeguarding_concern=True,
            concern_summary="Worried about a threat.",
        )
    assert created
    assert SessionLog.objects.filter(pk=log.pk).exists()
    assert log.flags.count() == 1
