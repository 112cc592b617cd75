"""Background work through a real Celery worker and the real Redis broker."""

from __future__ import annotations

import time

import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the worker check)
import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from sessions import services as session_services
from tests.conftest import allocated_case, new_key
from yourchoice.celery import app

# Transactional, so the worker thread sees committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(reference_data):  # type: ignore[no-untyped-def]
    with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=10):
        yield


def wait_for(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_concern_raised_in_a_session_emails_the_supervisor_without_naming_the_child(cast, worker):
    episode = allocated_case(cast.hackney, given="Jordan", family="Example")
    session_services.session_log(
        actor=cast.hackney.coach,
        episode=episode,
        idempotency_key=new_key(),
        occurred_at=timezone.now(),
        attendance="attended",
        duration_minutes=30,
        place="school",
        safeguarding_concern=True,
        concern_summary="Disclosed a threat at school.",
    )
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the email"
    message = mail.outbox[0]
    assert message.to == [cast.hackney.supervisor.email]
    assert episode.young_person.reference in message.subject
    text = message.subject + message.body
    for private in ("Jordan", "Example", "Disclosed a threat"):
        assert private not in text
