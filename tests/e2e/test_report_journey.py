"""A programme lead asks for a report, sees it become ready, and downloads it; a borough lead
asks for a financial year on a phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import celery.contrib.testing.tasks  # noqa: F401
import pytest
from playwright.sync_api import expect

from outcomes.reports.periods import financial_years_offered
from tests.conftest import allocated_case
from tests.e2e.conftest import assert_accessible, fill_date, sign_in
from tests.faults import worker_and_relay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def wait_until_ready(page) -> None:
    status = page.get_by_test_id("status").first
    for _ in range(60):
        if status.inner_text() == "Ready":
            break
        page.wait_for_timeout(500)
        page.get_by_role("link", name="Refresh to see the latest status").click()
    expect(status).to_have_text("Ready")


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
        wait_until_ready(page)
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


def test_borough_lead_asks_for_a_financial_year_on_a_phone(
    cast, live_server, page, settings, tmp_path
):
    """At 390 px: each period's question shows only under its chosen radio; dates in the wrong
    order are refused on the end date, kept as typed; the financial year is made and named."""
    from django.utils import timezone

    settings.MEDIA_ROOT = tmp_path
    allocated_case(cast.hackney)
    year = financial_years_offered(timezone.localdate())[0]
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.hackney.lead)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_label("Which month?")).to_be_visible()  # a month is chosen to start with
    expect(page.get_by_label("Which financial year?")).to_be_hidden()
    expect(page.get_by_role("group", name="Start date")).to_be_hidden()
    assert_accessible(page)

    page.get_by_label("Other dates").check()
    expect(page.get_by_label("Which month?")).to_be_hidden()
    start = page.get_by_role("group", name="Start date")
    end = page.get_by_role("group", name="End date")
    later = timezone.localdate() - timedelta(days=3)
    fill_date(page, "Start date", later)
    fill_date(page, "End date", later - timedelta(days=1))
    page.get_by_role("button", name="Make the report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The end date cannot be before the start date.")
    expect(page.get_by_label("Other dates")).to_be_checked()
    expect(end.get_by_label("Day")).to_have_value(f"{(later - timedelta(days=1)).day:02d}")
    assert_accessible(page)
    summary.get_by_role("link", name="The end date cannot be before the start date.").click()
    expect(end.get_by_label("Day")).to_be_focused()

    page.get_by_label("A financial year (April to March)").check()
    expect(page.get_by_label("Which financial year?")).to_be_visible()
    expect(start).to_be_hidden()
    page.get_by_label("Which financial year?").select_option(label=year.label)
    assert_accessible(page)
    with worker_and_relay():
        page.get_by_role("button", name="Make the report").click()
        expect(page.get_by_text("Your report is being made.")).to_be_visible()
        wait_until_ready(page)
    expect(page.get_by_test_id("period").first).to_have_text(year.label)
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_test_id("reports").get_by_role("link", name="CSV").first.click()
    download = download_info.value
    assert download.suggested_filename == (f"your-choice-hackney-E09000012-{year.file_part}.csv")
    assert year.file_part.endswith("-financial-year")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert f"# Period: {year.label}" in text


def test_the_period_can_be_chosen_without_javascript(cast, live_server, browser):
    """Every period's question shows, and only the chosen one's answer is read."""
    from django.utils import timezone

    from outcomes.models import Report

    allocated_case(cast.hackney)
    year = financial_years_offered(timezone.localdate())[0]
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, cast.hackney.lead)
        page.goto(f"{live_server.url}/reports/")
        for question in ("Which month?", "Which quarter?", "Which financial year?"):
            expect(page.get_by_label(question)).to_be_visible()
        expect(page.get_by_role("group", name="End date")).to_be_visible()
        page.get_by_label("A financial year (April to March)").check()
        page.get_by_label("Which financial year?").select_option(label=year.label)
        fill_date(page, "End date", timezone.localdate())  # under another period: not read
        page.get_by_role("button", name="Make the report").click()
        expect(page.get_by_text("Your report is being made.")).to_be_visible()
        expect(page.get_by_test_id("period").first).to_have_text(year.label)
        assert Report.objects.get().period == year
    finally:
        context.close()


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
