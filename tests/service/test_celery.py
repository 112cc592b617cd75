"""Background work through a real Celery worker and the real Redis broker."""

from __future__ import annotations

import time

import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the worker check)
import pytest
from django.core import mail
from django.utils import timezone

from sessions import services as session_services
from tests.conftest import allocated_case, new_key
from tests.faults import worker_and_relay

# Transactional, so the worker thread sees committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(reference_data):
    """A worker, and the relay that hands it jobs from the outbox."""
    with worker_and_relay():
        yield


def wait_for(condition, timeout: float = 20.0) -> bool:
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
    text = f"{message.subject}{message.body}"
    for private in ("Jordan", "Example", "Disclosed a threat"):
        assert private not in text


def test_the_weekly_digest_reaches_each_supervisor_by_reference_only(cast, worker):
    from datetime import timedelta

    from django.conf import settings

    from supervision.tasks import send_weekly_digests

    episode = allocated_case(
        cast.hackney,
        given="Jordan",
        family="Example",
        received_on=timezone.localdate() - timedelta(days=60),
    )
    assert send_weekly_digests.delay().get(timeout=20) == 2  # Hackney and Southwark supervisors
    assert wait_for(lambda: len(mail.outbox) == 2), "the worker did not send both digests"
    hackney = next(m for m in mail.outbox if m.to == [cast.hackney.supervisor.email])
    assert episode.young_person.reference in hackney.body
    assert "Measures overdue" in hackney.body
    assert "no supervision recorded" in hackney.body
    assert "Jordan" not in hackney.body and "Example" not in hackney.body
    schedule = settings.CELERY_BEAT_SCHEDULE["weekly-supervision-digest"]["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {7}  # Monday, 07:00 London time


def test_a_report_asked_for_is_made_by_the_worker_with_every_file(cast, worker, settings, tmp_path):
    from datetime import timedelta

    from outcomes.models import Report, ReportStatus
    from outcomes.reports import services

    settings.MEDIA_ROOT = tmp_path
    allocated_case(cast.hackney)
    today = timezone.localdate()
    report, _ = services.report_request(
        actor=cast.programme_lead, authority=None, start=today - timedelta(days=30), end=today
    )
    assert wait_for(
        lambda: Report.objects.get(pk=report.pk).status == ReportStatus.READY, timeout=60
    )
    report.refresh_from_db()
    assert {f.format for f in report.files.all()} == {"csv", "xlsx", "html"}
    assert all((tmp_path / f.file.name).stat().st_size == f.size_bytes for f in report.files.all())
