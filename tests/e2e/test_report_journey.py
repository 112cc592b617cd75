"""A programme lead asks for a report, sees it become ready, and downloads it."""

from __future__ import annotations

from pathlib import Path

import celery.contrib.testing.tasks  # noqa: F401
import pytest
from playwright.sync_api import expect

from tests.conftest import allocated_case
from tests.e2e.conftest import assert_accessible, sign_in
from tests.faults import worker_and_relay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_programme_lead_requests_a_report_and_downloads_it(
    cast, live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    allocated_case(cast.hackney)
    sign_in(page, live_server, cast.programme_lead)
    page.get_by_role("link", name="Reports").click()
    assert_accessible(page)
    with worker_and_relay():
        page.get_by_label("Which area?").select_option(label="Hackney")
        page.get_by_role("button", name="Make the report").click()
        expect(page.get_by_text("Your report is being made.")).to_be_visible()
        status = page.get_by_test_id("status").first
        for _ in range(60):
            if status.inner_text() == "Ready":
                break
            page.wait_for_timeout(500)
            page.get_by_role("link", name="Refresh to see the latest status").click()
        expect(status).to_have_text("Ready")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_test_id("reports").get_by_role("link", name="CSV").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "# Scope: Hackney" in text and "Referrals received" in text

    page.get_by_role("link", name="Across London").click()
    expect(page.get_by_test_id("london")).to_contain_text("Hackney")
    assert_accessible(page)


def test_evaluator_makes_and_downloads_an_extract(cast, live_server, page, settings, tmp_path):
    from cases.models import YoungPerson

    settings.MEDIA_ROOT = tmp_path
    episode = allocated_case(cast.hackney)
    YoungPerson.objects.filter(pk=episode.young_person_id).update(research_consent=True)
    sign_in(page, live_server, cast.evaluator)
    page.get_by_role("link", name="Extracts").first.click()
    assert_accessible(page)
    with worker_and_relay():
        page.get_by_role("button", name="Make a new extract").click()
        expect(page.get_by_text("The extract is being made.")).to_be_visible()
        table = page.get_by_test_id("extracts")
        for _ in range(60):
            if "Ready" in table.inner_text():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(table).to_contain_text("Ready")
    assert_accessible(page)
    with page.expect_download() as download_info:
        table.get_by_role("link", name="young_people").click()
    text = Path(download_info.value.path()).read_text()
    assert (
        text.startswith("pid,authority,age_at_referral")
        and episode.young_person.reference not in text
    )
