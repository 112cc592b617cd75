"""Reports: figures match the SQL, small counts hidden, no personal data, who may download."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outcomes.models import Report, ReportStatus
from outcomes.reports import indicators, services
from outcomes.reports.indicators import Scope, compute
from tests.conftest import allocated_case, referral
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - timedelta(days=30)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hackney_report(cast):
    for n in range(12):
        referral(
            cast.hackney,
            given=f"Named{n}",
            family="Childsurname",
            received_on=TODAY - timedelta(days=5),
        )
    allocated_case(
        cast.hackney, given="Another", family="Childsurname", received_on=TODAY - timedelta(days=5)
    )
    report, created = services.report_request(
        actor=cast.programme_lead, authority=cast.hackney.authority, start=START, end=TODAY
    )
    assert created
    return services.report_generate(report.pk)


def read_csv(report: Report) -> list[dict[str, str]]:
    name = report.files.get(format="csv").file.name
    assert name is not None
    path = Path(settings.MEDIA_ROOT) / name
    lines = [
        line
        for line in path.read_text(encoding="utf-8-sig").splitlines()
        if not line.startswith("# ")
    ]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_csv_figures_match_the_indicators_computed_directly(cast, hackney_report):
    direct = {
        (f.indicator, f.breakdown): f
        for f in compute(Scope([cast.hackney.authority.pk], START, TODAY))
    }
    rows = read_csv(hackney_report)
    assert len(rows) == len(direct)
    for row in rows:
        figure = direct[(row["indicator"], row["breakdown"])]
        if row["suppressed"] == "yes":
            assert row["value"] == "c"
        elif figure.value is None:
            assert row["value"] == ""
        else:
            assert float(row["value"]) == pytest.approx(float(figure.value), abs=0.01)
    received = next(
        r
        for r in rows
        if r["indicator"] == "Referrals received (episodes)" and r["breakdown"] == "All"
    )
    assert received["value"] == "13"


def test_every_count_of_1_to_9_is_shown_as_c(hackney_report):
    counted = ("episodes", "young people")
    for row in read_csv(hackney_report):
        if row["unit"] in counted and row["suppressed"] == "no" and row["value"] not in ("", "c"):
            value = float(row["value"])
            assert value == 0 or value >= 10, row
    assert hackney_report.cells_suppressed > 0


def test_files_carry_provenance_and_no_personal_data(cast, hackney_report):
    assert {f.format for f in hackney_report.files.all()} == {"csv", "xlsx", "html"}
    csv_text = (
        Path(settings.MEDIA_ROOT) / hackney_report.files.get(format="csv").file.name
    ).read_text()
    html = (
        Path(settings.MEDIA_ROOT) / hackney_report.files.get(format="html").file.name
    ).read_text()
    for text in (csv_text, html):
        assert "# Threshold: 10" in text or "Threshold</th><td>10" in text
        assert "Childsurname" not in text and "Named" not in text and "YC-E09" not in text
        assert cast.programme_lead.full_name in text  # who asked
    book = openpyxl.load_workbook(
        Path(settings.MEDIA_ROOT) / hackney_report.files.get(format="xlsx").file.name
    )
    assert book.sheetnames[0] == "About this report"
    assert book["Referrals and episodes"].freeze_panes == "A2"
    assert not list(Path(settings.MEDIA_ROOT).rglob(".partial-*"))


def test_the_pdf_is_made_from_the_printable_page_on_first_download_and_then_kept(
    cast, client_for, hackney_report
):
    url = reverse("outcomes:report-download", args=[hackney_report.pk, "pdf"])
    assert client_for(cast.southwark.lead).get(url).status_code == 404
    assert client_for(cast.hackney.coach).get(url).status_code == 404
    assert not hackney_report.files.filter(format="pdf").exists()  # refused: nothing made

    first = client_for(cast.hackney.lead).get(url)
    assert first.status_code == 200
    pdf = b"".join(first.streaming_content)
    assert pdf.startswith(b"%PDF")
    page = hackney_report.files.get(format="html")
    made = hackney_report.files.get(format="pdf")
    assert Path(made.file.name).with_suffix(".html") == Path(page.file.name)
    assert made.size_bytes == len(pdf)
    again = client_for(cast.programme_lead).get(url)
    assert b"".join(again.streaming_content) == pdf
    assert hackney_report.files.get(format="pdf").pk == made.pk
    assert not list(Path(settings.MEDIA_ROOT).rglob(".partial-*"))
    assert AuditEvent.objects.filter(action="report.download").count() == 2

    Report.objects.filter(pk=hackney_report.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    services.reports_sweep()
    assert not (Path(settings.MEDIA_ROOT) / made.file.name).exists()


def test_the_same_request_while_one_is_waiting_starts_no_second(cast):
    first, created = services.report_request(
        actor=cast.programme_lead, authority=None, start=START, end=TODAY
    )
    again, created_again = services.report_request(
        actor=cast.programme_lead, authority=None, start=START, end=TODAY
    )
    assert created and not created_again and first.pk == again.pk


def test_the_sweeper_fails_reports_stuck_running(cast, client_for, settings):
    report, _ = services.report_request(
        actor=cast.programme_lead, authority=None, start=START, end=TODAY
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=settings.REPORT_STUCK_MINUTES + 1),
    )
    assert services.reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "took too long" in report.failure_reason
    page = client_for(cast.programme_lead).get(reverse("outcomes:reports")).content.decode()
    assert "took too long" in page and "Not ready yet" not in page  # no files will come


def test_a_report_whose_worker_died_each_time_is_given_up(cast, settings):
    """Each death of its worker delivers the job again: after JOB_STARTS starts the report
    fails with its reason, rather than being started for ever."""
    report, _ = services.report_request(
        actor=cast.programme_lead, authority=None, start=START, end=TODAY
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, attempts=settings.JOB_STARTS
    )
    made = services.report_generate(report.pk)
    assert made.status == ReportStatus.FAILED and not made.files.exists()
    assert made.failure_reason == (
        f"Making it stopped part way {settings.JOB_STARTS} times, so it was not tried again. "
        "Ask for it again, or for a shorter period."
    )
    again, created = services.report_request(
        actor=cast.programme_lead, authority=None, start=START, end=TODAY
    )
    assert created and services.report_generate(again.pk).status == ReportStatus.READY


def test_expired_files_are_deleted(cast, hackney_report):
    paths = [Path(settings.MEDIA_ROOT) / f.file.name for f in hackney_report.files.all()]
    assert all(p.exists() for p in paths)
    Report.objects.filter(pk=hackney_report.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    services.reports_sweep()
    assert not any(p.exists() for p in paths)
    assert not hackney_report.files.exists()


def test_monthly_reports_cover_every_active_authority_and_london(cast):
    made = services.monthly_reports(TODAY)  # last month
    assert len(made) == 34  # 33 authorities and London
    assert sum(1 for r in made if r.authority is None) == 1


def test_downloads_are_for_programme_leads_and_the_authoritys_own_lead_only(
    cast, client_for, hackney_report
):
    url = reverse("outcomes:report-download", args=[hackney_report.pk, "xlsx"])
    assert client_for(cast.programme_lead).get(url).status_code == 200
    assert client_for(cast.hackney.lead).get(url).status_code == 200
    assert client_for(cast.southwark.lead).get(url).status_code == 404
    assert client_for(cast.hackney.coach).get(url).status_code == 404
    assert client_for(cast.hackney.supervisor).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="report.download").count() == 2
    Report.objects.filter(pk=hackney_report.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client_for(cast.programme_lead).get(url).status_code == 404


def test_a_borough_lead_cannot_ask_for_london_or_another_authority(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.report_request(actor=cast.hackney.lead, authority=None, start=START, end=TODAY)
    with pytest.raises(PermissionDenied):
        services.report_request(
            actor=cast.hackney.lead, authority=cast.southwark.authority, start=START, end=TODAY
        )


def test_reports_page_and_london_page(cast, client_for, hackney_report):
    client = client_for(cast.programme_lead)
    page = client.get(reverse("outcomes:reports")).content.decode()
    assert reverse("outcomes:report-download", args=[hackney_report.pk, "pdf"]) in page
    london = client.get(reverse("outcomes:london"))
    row = next(r for r in london.context["view"].rows if r.authority == "Hackney")
    assert row.values[0] == 13  # referrals received, from the published figures
    assert "Childsurname" not in london.content.decode()
    response = client.post(
        reverse("outcomes:reports"), {"place": "london", "period": "month", "month": ""}
    )
    assert response.status_code == 400 and "Choose a month" in response.content.decode()


def test_a_report_file_lost_from_storage_is_a_404_not_a_server_error(
    cast, client_for, hackney_report
):
    csv_file = hackney_report.files.get(format="csv")
    (Path(settings.MEDIA_ROOT) / csv_file.file.name).unlink()
    url = reverse("outcomes:report-download", args=[hackney_report.pk, "csv"])
    assert client_for(cast.programme_lead).get(url).status_code == 404


def ready_report(authority, start, end, referrals: int) -> Report:
    """A made report with only its published key figure, for the table's tests."""
    return Report.objects.create(
        scope="authority" if authority else "london",
        authority=authority,
        period_start=start,
        period_end=end,
        status=ReportStatus.READY,
        finished_at=timezone.now(),
        results=[
            {"indicator": indicators.REFERRALS_RECEIVED, "breakdown": "All", "value": referrals}
        ],
    )


def months_back(n: int) -> tuple[date, date]:
    """The whole month n months before this one."""
    end = TODAY.replace(day=1) - timedelta(days=1)
    for _ in range(n - 1):
        end = end.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def test_london_table_shows_one_named_period_and_never_another_periods_figures(cast, client_for):
    last, before = months_back(1), months_back(2)
    ready_report(cast.hackney.authority, *last, referrals=41)
    ready_report(cast.southwark.authority, *before, referrals=27)  # only the month before
    ready_report(None, *last, referrals=300)
    # A more recent report of another length does not replace the latest whole month.
    ready_report(cast.hackney.authority, TODAY - timedelta(days=10), TODAY, referrals=5)
    response = client_for(cast.programme_lead).get(reverse("outcomes:london"))
    view = response.context["view"]
    label = f"{last[0]:%B %Y}"
    assert (view.period.start, view.period.end) == last
    page = response.content.decode()
    assert f"Figures for {label}" in page
    rows = {r.authority: r for r in view.rows}
    assert len(rows) == 33
    assert rows["Hackney"].values[0] == 41
    assert rows["Southwark"].report is None and rows["Southwark"].values[0] is None
    assert page.count(f"Not made yet for {label}") == 32
    assert "None yet" not in page
    assert view.london.values[0] == 300
    # The month before is a link, and shows Southwark's figures and no one else's.
    assert f"{before[0]:%B %Y}" in [p.label for p in view.other_periods]
    earlier = client_for(cast.programme_lead).get(
        reverse("outcomes:london"), {"start": before[0], "end": before[1]}
    )
    rows = {r.authority: r for r in earlier.context["view"].rows}
    assert rows["Southwark"].values[0] == 27 and rows["Hackney"].report is None
    assert f"Figures for {before[0]:%B %Y}" in earlier.content.decode()


def test_london_table_with_no_reports_names_last_month_and_reports_being_made(cast, client_for):
    last = months_back(1)
    services.report_request(
        actor=None, authority=cast.hackney.authority, start=last[0], end=last[1]
    )
    response = client_for(cast.programme_lead).get(reverse("outcomes:london"))
    page = response.content.decode()
    label = f"{last[0]:%B %Y}"
    assert f"Figures for {label}" in page
    assert f"Being made for {label}" in page
    assert page.count(f"Not made yet for {label}") == 33  # 32 authorities and London


def test_monthly_reports_again_ask_for_nothing_already_made(cast):
    first = services.monthly_reports(TODAY)
    Report.objects.filter(pk=first[0].pk).update(status=ReportStatus.READY)
    again = services.monthly_reports(TODAY)
    assert [r.pk for r in again] == [r.pk for r in first]
    assert Report.objects.count() == 34


def test_csv_provenance_lines_make_no_extra_or_formula_cells(cast):
    """A requester's name with a comma, a line break and `=` stays inside one cell of its own
    "# " line: the header lines go through the same writer and formula guard as the figures."""
    cast.programme_lead.full_name = 'Pat, Lead\n=HYPERLINK("http://evil.test","Open")'
    cast.programme_lead.save(update_fields=["full_name"])
    allocated_case(cast.hackney)
    report, _ = services.report_request(
        actor=cast.programme_lead, authority=cast.hackney.authority, start=START, end=TODAY
    )
    report = services.report_generate(report.pk)
    name = report.files.get(format="csv").file.name
    assert name is not None
    path = Path(settings.MEDIA_ROOT) / name
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header_at = rows.index(["section", "indicator", "breakdown", "value", "suppressed", "unit"])
    provenance = rows[:header_at]
    assert len(provenance) == 12  # the disclosure check has a line of its own
    assert all(len(row) == 1 and row[0].startswith("# ") for row in provenance), provenance
    assert [
        'Requested by: Pat, Lead =HYPERLINK("http://evil.test","Open")' in row[0]
        for row in provenance
    ].count(True) == 1
    formula_cells = [
        cell for row in rows for cell in row if cell[:1] in ("=", "+", "@") or cell[:1] == "-"
    ]
    assert [cell for cell in formula_cells if not cell.lstrip("-").replace(".", "").isdigit()] == []
    # The service's own lines need no quoting: they still start with "# " for tools that skip them.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert [line[:2] for line in lines[:header_at]].count("# ") == 11
