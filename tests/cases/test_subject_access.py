"""A complete export of one young person's record for a subject access request (X6)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import YoungPerson
from casework.subject_access import files
from tests.cases.records import SECRETS, worked_case
from tests.conftest import allocated_case, signed_in_client
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def record(cast):
    """A closed case, then a re-referral that is still open: two episodes."""
    received = TODAY - timedelta(days=200)
    first = worked_case(
        cast.hackney,
        date_of_birth=date(received.year - 14, 1, 1),
        received_on=received,
        closed_on=received + timedelta(days=60),
    )
    from cases import services as case_services

    second = case_services.referral_create(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        details=case_services.YoungPersonDetails(
            given_name="x", family_name="x", date_of_birth=date(2000, 1, 1)
        ),
        referrer_name="Second Referrer",
        referrer_organisation="School",
        received_on=TODAY - timedelta(days=5),
        panel_date=TODAY - timedelta(days=5),
        risk_level="medium",
        harms=["county_lines"],
        consent_given=True,
        existing_young_person=first.young_person,
    )
    return first.young_person, second


def download(user, person: YoungPerson, fmt: str):
    return signed_in_client(user).get(
        reverse("cases:subject-access-download", args=[person.pk, fmt])
    )


def test_json_export_holds_the_whole_record(cast, record):
    person, _ = record
    response = download(cast.hackney.lead, person, "json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.content.decode()
    for secret in SECRETS:
        assert secret in body, secret
    data = json.loads(body)
    assert data["young_person"]["reference"] == person.reference
    assert data["young_person"]["date_of_birth"] == person.date_of_birth.isoformat()
    assert data["young_person"]["looked_after_status"] == "Looked after"  # labels, not codes
    assert [c["name"] for c in data["key_contacts"]] == ["Auntie Marjorie"]
    closed, current = data["cases"]
    assert current["referral"]["referred_by"] == "Second Referrer"
    assert current["status"] == "Referred"
    assert closed["status"] == "Closed" and closed["ending_reason"] == "Planned ending"
    assert [c["to"] for c in closed["status_history"]] == [
        "Referred",
        "Allocated",
        "Active",
        "Closed",
    ]
    assert closed["allocations"][0]["coach"] == "Hackney Coach"
    session = closed["sessions"][0]
    assert session["attendance"] == "Attended" and session["feeling_at_end"] == 6
    assert session["additions_to_notes"][0]["text"] == "ADDENDUM-TEXT"
    assert closed["sessions"][1]["attendance"] == "Did not attend"
    goal = closed["goals"][0]
    assert [r["score"] for r in goal["ratings_out_of_10"]] == [2, 6]
    assert [m["occasion"] for m in closed["questionnaires"]] == ["Baseline", "End"]
    assert closed["questionnaires"][0]["scores"]["total_difficulties"] == 21
    assert closed["flags"][0]["resolution"] == "FLAG-RESOLUTION"
    assert closed["activity_spending"][0]["pounds"] == 25.0
    assert closed["supervision_discussions"][0]["notes"] == "SUPERVISION-NOTE"
    assert closed["actions"][0]["owner"] == "Hackney Coach"
    assert closed["closure_requests"][0]["decision"] == "Approved"
    assert data["about_this_export"]["made_by"] == "Hackney Lead"


def test_pdf_export_is_a_readable_document(cast, record):
    person, _ = record
    response = download(cast.hackney.lead, person, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # The printable page it is made from holds the same record, escaped.
    from casework.subject_access.selectors import get_young_person_for_export, subject_access_export

    latest = get_young_person_for_export(cast.hackney.lead, person.pk)
    html = files.html_document(subject_access_export(cast.hackney.lead, latest))
    for secret in SECRETS:
        assert secret in html, secret
    assert "Session 2 of 2" in html and "Cases (2)" in html


def test_free_text_is_escaped_in_the_printable_page():
    html = files.html_document(
        {
            "about_this_export": {"note": "n"},
            "young_person": {"first_name": "<script>alert(1)</script>"},
            "cases": [{"sessions": [{"notes": "<b>bold</b>"}]}],
        }
    )
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<b>bold" not in html


def test_files_are_named_by_reference_and_never_cached(cast, record):
    person, _ = record
    for fmt in ("json", "pdf"):
        response = download(cast.hackney.lead, person, fmt)
        disposition = response["Content-Disposition"]
        assert disposition == f'attachment; filename="subject-access-{person.reference}.{fmt}"'
        assert "Zebedee" not in disposition and "Quillfeather" not in disposition
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_each_download_is_audited(cast, record):
    person, _ = record
    download(cast.hackney.lead, person, "json")
    download(cast.hackney.lead, person, "pdf")
    events = AuditEvent.objects.filter(action="young_person.export").order_by("pk")
    assert [e.detail["format"] for e in events] == ["json", "pdf"]
    assert {(e.actor_id, e.young_person_id) for e in events} == {(cast.hackney.lead.pk, person.pk)}
    trail = (
        signed_in_client(cast.hackney.lead)
        .get(reverse("cases:audit", args=[person.pk]))
        .content.decode()
    )
    assert "Downloaded a subject access export" in trail


def test_only_the_borough_lead_of_the_authority_may_export(cast):
    person = allocated_case(cast.hackney).young_person
    for user, status in (
        (cast.hackney.coach, 403),
        (cast.hackney.supervisor, 403),
        (cast.southwark.lead, 404),
        (cast.programme_lead, 404),
        (cast.admin, 404),
    ):
        assert download(user, person, "json").status_code == status
        page = signed_in_client(user).get(reverse("cases:subject-access", args=[person.pk]))
        assert page.status_code == status
    assert download(cast.hackney.lead, person, "xml").status_code == 404
    assert not AuditEvent.objects.filter(action="young_person.export").exists()


def test_page_offers_both_formats(cast, record):
    person, _ = record
    page = signed_in_client(cast.hackney.lead).get(
        reverse("cases:subject-access", args=[person.pk])
    )
    body = page.content.decode()
    for fmt in ("pdf", "json"):
        assert reverse("cases:subject-access-download", args=[person.pk, fmt]) in body
    assert "no-store" in page["Cache-Control"]
