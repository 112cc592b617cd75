"""A borough lead imports her borough's existing cases on a phone: downloads the template,
uploads a file with two mistakes, watches it being checked and sees them row by row, uploads
the fixed file, confirms, watches it save and finds the cases on her authority's list."""

from __future__ import annotations

import io
from pathlib import Path

import celery.contrib.testing.tasks  # noqa: F401  (the worker's ping task)
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from casework.imports.models import ImportBatch, ImportStatus
from devtools import import_workbook
from tests.cases.imports import sheets
from tests.e2e.conftest import assert_accessible, sign_in
from tests.faults import worker_and_relay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, data: bytes) -> None:
    page.get_by_label("Upload the filled-in template").set_input_files(
        files=[{"name": "hackney-history.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="Upload and check").click()


def test_a_borough_lead_imports_her_boroughs_cases_on_a_phone(
    cast, live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.hackney.lead)
    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_role("heading", name="Import existing cases")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel workbook (.xlsx)").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert "Sessions" in book.sheetnames

    rows = sheets(cast.hackney, young_people=5, sessions=6)
    still_open = rows["Cases"][1]  # one case still open, so the authority's list shows it
    still_open[8:10] = ["", ""]
    for goal in rows["Goals"][1:]:
        if goal[1] == still_open[0]:
            goal[4:6] = ["Working on it", ""]
    fixed = import_workbook.xlsx_bytes(rows)
    rows["SDQs"][1][4] = 14  # a scale score out of range
    rows["Goal ratings"][2][3] = 11  # a rating off the scale
    _upload(page, import_workbook.xlsx_bytes(rows))
    # The upload answers at once; the file is checked by a job, and the page says so.
    expect(page.get_by_role("heading", name="Checking the file")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_contain_text("Reading the file.")
    assert_accessible(page)  # the check's progress, before a worker takes the job
    with worker_and_relay():
        # The page shows what the check found by itself (it asks every two seconds).
        expect(page.get_by_role("heading", name="Problems in the file")).to_be_visible(
            timeout=30_000
        )
        problems = page.get_by_test_id("problems")
        expect(problems.get_by_role("row")).to_have_count(3)  # the heading row and two problems
        expect(problems).to_contain_text("SDQs, row 2")
        expect(problems).to_contain_text("Emotional problems must be from 0 to 10, not 14.")
        expect(problems).to_contain_text("Goal ratings, row 3")
        expect(page.get_by_role("button", name="Save these records")).to_have_count(0)
        assert_accessible(page)

        page.get_by_role("link", name="upload it again").click()
        _upload(page, fixed)
        expect(page.get_by_role("heading", name="Check and confirm the import")).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_test_id("counts")).to_contain_text("Young people")
    assert_accessible(page)
    page.get_by_role("button", name="Save these records").click()
    expect(page.get_by_text("The file is being saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Saving the import")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_contain_text("Waiting to be saved")
    assert_accessible(page)  # the progress page, before a worker takes the job
    with worker_and_relay():
        for _ in range(60):
            if ImportBatch.objects.latest("pk").status in (ImportStatus.SAVED, ImportStatus.FAILED):
                break
            page.wait_for_timeout(500)
        # The page shows the result by itself (it asks for the progress every two seconds).
        expect(page.get_by_role("heading", name="Import saved")).to_be_visible(timeout=10_000)
    assert_accessible(page)

    page.get_by_role("link", name="authority's list").click()
    references = [
        r
        for r in ImportBatch.objects.latest("pk")
        .records.filter(sheet="young_people")
        .values_list("young_person__reference", flat=True)
    ]
    assert len(references) == 5
    listed = page.get_by_test_id("authority-cases-cards")
    open_cases = [row for row in rows["Cases"][1:] if not row[8]]
    assert open_cases, "the generated history has open cases"
    expect(listed.locator(":scope > li")).to_have_count(len(open_cases))
