"""Evaluation extracts: consented young people only, pseudonymised, minimised (O6)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.models import YoungPerson
from outcomes import services as outcome_services
from outcomes.extracts import services
from outcomes.models import Extract
from sessions import services as session_services
from tests.conftest import allocated_case, new_key
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def data(cast):  # type: ignore[no-untyped-def]
    consented = allocated_case(
        cast.hackney,
        given="Consenting",
        family="Personname",
        received_on=timezone.localdate() - timedelta(days=30),
    )
    YoungPerson.objects.unscoped().filter(pk=consented.young_person_id).update(
        research_consent=True
    )
    declined = allocated_case(cast.hackney, given="Declining", family="Othername")
    for episode in (consented, declined):
        session_services.session_log(
            actor=cast.hackney.coach,
            episode=episode,
            idempotency_key=new_key(),
            occurred_at=timezone.now() - timedelta(days=2),
            attendance="attended",
            duration_minutes=60,
            place="school",
            notes="Spoke about Personname's cousin",
            between_session_task="Secret task",
        )
    outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=consented,
        description="Private words of the goal",
        agreed_on=timezone.localdate(),
        first_score=3,
    )
    return consented, declined


def tables(extract) -> dict[str, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    out = {}
    for f in extract.files.all():
        with (Path(settings.MEDIA_ROOT) / f.file.name).open() as handle:
            out[f.table] = list(csv.DictReader(handle))
    return out


def test_only_consented_young_people_with_no_personal_data(cast, data):
    consented, declined = data
    extract = services.extract_generate(services.extract_request(actor=cast.evaluator).pk)
    result = tables(extract)
    assert set(result) == {
        "young_people",
        "episodes",
        "sessions",
        "goal_ratings",
        "measures",
        "data_dictionary",
    }
    assert len(result["young_people"]) == 1 and extract.young_people == 1
    assert len(result["sessions"]) == 1
    everything = "".join(
        (Path(settings.MEDIA_ROOT) / f.file.name).read_text() for f in extract.files.all()
    )
    yp = consented.young_person
    for private in (
        "Consenting",
        "Personname",
        "Declining",
        yp.reference,
        "YC-E09",
        yp.date_of_birth.isoformat(),
        "Secret task",
        "Private words",
        "cousin",
        str(consented.referred_on),
    ):
        assert private not in everything
    assert result["young_people"][0]["pid"].startswith("P")
    assert result["episodes"][0]["referral_month"] == consented.referred_on.strftime("%Y-%m")


def test_pseudonyms_differ_between_extracts_and_are_stable_within_one(cast, data):
    first = tables(services.extract_generate(services.extract_request(actor=cast.evaluator).pk))
    second = tables(services.extract_generate(services.extract_request(actor=cast.evaluator).pk))
    assert first["young_people"][0]["pid"] != second["young_people"][0]["pid"]
    assert first["episodes"][0]["pid"] == first["young_people"][0]["pid"]
    assert first["sessions"][0]["eid"] == first["episodes"][0]["eid"]


def test_only_evaluators_ask_for_and_download_extracts_and_downloads_are_audited(
    cast, client_for, data
):
    client = client_for(cast.evaluator)
    assert client.post(reverse("outcomes:extracts")).status_code == 302
    extract = services.extract_generate(Extract.objects.get().pk)
    url = reverse("outcomes:extract-download", args=[extract.pk, "young_people"])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="extract.download").count() == 1
    for other in (cast.programme_lead, cast.hackney.lead, cast.hackney.coach, cast.admin):
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).post(reverse("outcomes:extracts")).status_code == 403
