"""A borough lead works the retention review queue, anonymises a record, and answers a subject
access request; every page passes axe."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.cases.records import set_rule, worked_case
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lead_anonymises_a_due_record_and_downloads_a_subject_access_export(
    cast, live_server, page
):
    from cases.models import YoungPerson

    set_rule(cast.hackney.authority, until_age=18, years=1)
    received = (timezone.localdate() - timedelta(days=4 * 365)).replace(day=10)
    due = worked_case(
        cast.hackney,
        date_of_birth=date(received.year - 17, 1, 1),
        received_on=received,
        closed_on=received + timedelta(days=60),
    )
    other = worked_case(
        cast.hackney,
        date_of_birth=date(received.year - 16, 1, 1),
        received_on=received,
        closed_on=received + timedelta(days=60),
        given="Ottoline",
        family="Otterburn",
    )
    sign_in(page, live_server, cast.hackney.lead)

    # The review queue: both records are due.
    page.get_by_role("link", name="Retention").click()
    queue = page.get_by_test_id("retention-queue")
    expect(queue).to_contain_text(due.young_person.reference)
    expect(queue).to_contain_text(other.young_person.reference)
    expect(page.get_by_test_id("retention-rule")).to_contain_text("until they turn 18")
    assert_accessible(page)

    # Anonymise one: the page says it cannot be undone and asks for confirmation.
    queue.get_by_role("link", name=f"Anonymise {due.young_person.reference}").click()
    expect(page.get_by_role("heading", name="Anonymise this record")).to_be_visible()
    expect(page.locator(".govuk-warning-text")).to_contain_text("This cannot be undone")
    assert_accessible(page)
    page.get_by_role("button", name="Anonymise the record").click()
    expect(
        page.get_by_text("Confirm that you understand this cannot be undone").first
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("I understand that this cannot be undone").check()
    page.get_by_role("button", name="Anonymise the record").click()
    expect(page.get_by_text(f"{due.young_person.reference} has been anonymised.")).to_be_visible()
    expect(page.get_by_test_id("retention-queue")).not_to_contain_text(due.young_person.reference)
    assert_accessible(page)
    assert YoungPerson.objects.get(pk=due.young_person_id).given_name == "Anonymised"

    # A subject access request for the other young person.
    page.goto(f"{live_server.url}/young-people/{other.young_person_id}/")
    page.get_by_role("link", name="Subject access export").click()
    expect(page.get_by_role("heading", name="Answer a subject access request")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as pdf_info:
        page.get_by_role("button", name="Download as PDF").click()
    pdf = pdf_info.value
    assert pdf.suggested_filename == f"subject-access-{other.young_person.reference}.pdf"
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as json_info:
        page.get_by_role("button", name="Download as JSON").click()
    record = json.loads(Path(json_info.value.path()).read_text())
    assert record["young_person"]["first_name"] == "Ottoline"
    assert record["cases"][0]["sessions"][0]["notes"].startswith("SESSION-NOTE")

    # Both downloads are in the record's audit trail.
    page.get_by_role("link", name="Back to Zeb Otterburn").click()
    page.get_by_role("link", name="Who viewed or changed this record").click()
    trail = page.get_by_test_id("audit-trail")
    expect(trail).to_contain_text("Downloaded a subject access export")
    expect(trail).to_contain_text("Hackney Lead")
    assert_accessible(page)
    page.get_by_label("Show").select_option(label="Changed only")
    page.get_by_role("button", name="Show these").click()
    expect(page.get_by_test_id("audit-trail")).not_to_contain_text("Downloaded")
    expect(page.get_by_test_id("audit-trail")).to_contain_text("Logged a session")
    assert_accessible(page)
