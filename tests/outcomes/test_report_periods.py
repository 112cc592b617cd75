"""Reports for any period (O7): asked for on the page, checked, and named the same everywhere."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outcomes.models import Report, ReportStatus
from outcomes.reports import periods, services
from outcomes.reports.periods import Period, PeriodKind, period_for
from tests.conftest import allocated_case
from yourchoice.data.errors import DomainError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
#: A fixed day for the rules, so that what they say does not depend on when the tests run.
ON = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


# --- Names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "label", "file_part"),
    [
        (
            date(2026, 4, 1),
            date(2027, 3, 31),
            "1 April 2026 to 31 March 2027 (financial year 2026 to 2027)",
            "2026-04-01-to-2027-03-31-financial-year",
        ),
        (
            date(2026, 7, 1),
            date(2026, 9, 30),
            "Quarter: 1 July to 30 September 2026",
            "2026-07-01-to-2026-09-30-quarter",
        ),
        (
            date(2025, 12, 1),
            date(2026, 11, 30),
            "1 December 2025 to 30 November 2026 (12 months)",
            "2025-12-01-to-2026-11-30-12-months",
        ),
        (date(2026, 11, 1), date(2026, 11, 30), "November 2026", "2026-11-01-to-2026-11-30-month"),
        (date(2024, 2, 1), date(2024, 2, 29), "February 2024", "2024-02-01-to-2024-02-29-month"),
        (
            date(2026, 3, 3),
            date(2026, 6, 15),
            "3 March 2026 to 15 June 2026",
            "2026-03-03-to-2026-06-15",
        ),
        (date(2026, 3, 3), date(2026, 3, 3), "3 March 2026", "2026-03-03-to-2026-03-03"),
        # Three months that are not a quarter, and a year that is not a financial one.
        (
            date(2026, 2, 1),
            date(2026, 4, 30),
            "1 February 2026 to 30 April 2026",
            "2026-02-01-to-2026-04-30",
        ),
        (
            date(2026, 1, 1),
            date(2026, 12, 31),
            "1 January 2026 to 31 December 2026 (12 months)",
            "2026-01-01-to-2026-12-31-12-months",
        ),
        (
            date(2025, 4, 2),
            date(2026, 3, 31),
            "2 April 2025 to 31 March 2026",
            "2025-04-02-to-2026-03-31",
        ),
    ],
)
def test_a_period_is_named_exactly_by_its_dates(start, end, label, file_part):
    assert Period(start, end).label == label
    assert Period(start, end).file_part == file_part


def test_each_kind_asked_for_gives_its_period():
    assert period_for("month", start=date(2026, 11, 1), end=None, today=ON) == Period(
        date(2026, 11, 1), date(2026, 11, 30)
    )
    assert period_for("quarter", start=date(2026, 7, 1), end=None, today=ON) == Period(
        date(2026, 7, 1), date(2026, 9, 30)
    )
    assert period_for("financial_year", start=date(2025, 4, 1), end=None, today=ON) == Period(
        date(2025, 4, 1), date(2026, 3, 31)
    )
    assert period_for("last_12_months", start=None, end=None, today=ON) == Period(
        date(2025, 12, 1), date(2026, 11, 30)
    )
    assert period_for("dates", start=date(2026, 4, 1), end=ON, today=ON) == Period(
        date(2026, 4, 1), ON
    )
    # Today itself may end a period; a financial year asked for as dates is one by name.
    assert period_for(
        "dates", start=date(2025, 4, 1), end=date(2026, 3, 31), today=ON
    ).label.endswith("(financial year 2025 to 2026)")


def refused(kind: str, start: date | None, end: date | None) -> dict[str, list[str]]:
    with pytest.raises(DomainError) as error:
        period_for(kind, start=start, end=end, today=ON)
    return error.value.errors


def test_a_period_is_refused_with_a_plain_message_on_the_field_at_fault():
    assert refused("dates", date(2026, 6, 1), date(2026, 5, 31)) == {
        "end": ["The end date cannot be before the start date."]
    }
    assert refused("dates", date(2026, 6, 1), ON + timedelta(days=1)) == {
        "end": ["The end date cannot be in the future."]
    }
    assert refused("dates", ON + timedelta(days=1), ON + timedelta(days=2)) == {
        "start": ["The start date cannot be in the future."],
        "end": ["The end date cannot be in the future."],
    }
    assert refused("dates", date(2021, 12, 31), date(2022, 6, 1)) == {
        "start": ["The start date cannot be before 1 January 2022, when Your Choice began."]
    }
    assert refused("dates", None, None) == {
        "start": ["Enter the start date."],
        "end": ["Enter the end date."],
    }
    assert refused("month", date(2026, 12, 1), None) == {
        "start": ["December 2026 has not ended yet. Ask for dates up to today instead."]
    }
    assert refused("financial_year", date(2026, 4, 1), None)["start"][0].startswith(
        "1 April 2026 to 31 March 2027 (financial year 2026 to 2027) has not ended yet."
    )
    assert refused("quarter", date(2026, 5, 1), None) == {
        "start": [
            "That is not a first day: a quarter starts on 1 January, 1 April, 1 July or 1 October."
        ]
    }
    assert refused("financial_year", date(2025, 1, 1), None) == {
        "start": ["That is not a first day: a financial year starts on 1 April."]
    }
    assert refused("month", date(2026, 10, 1), date(2026, 10, 31))["end"][0].startswith(
        "Leave this out"
    )
    assert set(refused("last_12_months", date(2026, 1, 1), None)) == {"start"}


def test_a_period_is_at_most_two_years_to_the_day():
    assert period_for("dates", start=date(2024, 1, 1), end=date(2025, 12, 31), today=ON)
    assert refused("dates", date(2024, 1, 1), date(2026, 1, 1)) == {
        "end": [
            "A report can cover at most 2 years. Choose an end date on or before 31 December 2025."
        ]
    }
    # From 29 February, two years later is 28 February.
    assert Period(date(2024, 2, 29), date(2024, 3, 1)).latest_end() == date(2026, 2, 28)
    assert Period(date(2024, 3, 31), date(2024, 4, 1)).latest_end() == date(2026, 3, 30)


def test_the_form_offers_only_periods_that_have_ended_newest_first():
    assert [p.label for p in periods.months_offered(ON)][:2] == ["November 2026", "October 2026"]
    assert len(periods.months_offered(ON)) == periods.MONTHS_OFFERED
    assert periods.quarters_offered(ON)[0].label == "Quarter: 1 July to 30 September 2026"
    # A quarter has ended once its last day is over.
    assert periods.quarters_offered(date(2026, 9, 30))[0].label == (
        "Quarter: 1 April to 30 June 2026"
    )
    assert periods.quarters_offered(date(2026, 10, 1))[0].label == (
        "Quarter: 1 July to 30 September 2026"
    )
    assert [p.start.year for p in periods.financial_years_offered(ON)] == [2025, 2024, 2023, 2022]
    assert periods.financial_years_offered(date(2026, 4, 1))[0].start == date(2025, 4, 1)
    assert periods.financial_years_offered(date(2026, 3, 31))[0].start == date(2024, 4, 1)
    with pytest.raises(DomainError):
        period_for("quarter", start=date(2026, 7, 1), end=None, today=date(2026, 9, 30))
    assert period_for("quarter", start=date(2026, 7, 1), end=None, today=date(2026, 10, 1))


# --- Asking on the page ---------------------------------------------------------------------


def ask(client, place, **fields):
    return client.post(reverse("outcomes:reports"), {"place": str(place), **fields})


def boxes(name: str, day: date | None = None, typed: tuple[str, str, str] | None = None):
    day_, month, year = typed or (str(day.day), str(day.month), str(day.year))  # type: ignore[union-attr]
    return {f"{name}_day": day_, f"{name}_month": month, f"{name}_year": year}


def only_report() -> Report:
    (report,) = Report.objects.all()
    return report


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            lambda: {"period": "month", "month": periods.months_offered(TODAY)[2].start},
            lambda: periods.months_offered(TODAY)[2],
        ),
        (
            lambda: {"period": "quarter", "quarter": periods.quarters_offered(TODAY)[1].start},
            lambda: periods.quarters_offered(TODAY)[1],
        ),
        (
            lambda: {
                "period": "financial_year",
                "financial_year": periods.financial_years_offered(TODAY)[0].start,
            },
            lambda: periods.financial_years_offered(TODAY)[0],
        ),
        (lambda: {"period": "last_12_months"}, lambda: Period.last_12_months(TODAY)),
        (
            lambda: {
                "period": "dates",
                **boxes("start", TODAY - timedelta(days=40)),
                **boxes("end", TODAY),
            },
            lambda: Period(TODAY - timedelta(days=40), TODAY),
        ),
    ],
    ids=["month", "quarter", "financial-year", "last-12-months", "dates"],
)
def test_a_borough_lead_asks_for_each_kind_of_period(cast, client_for, fields, expected):
    response = ask(client_for(cast.hackney.lead), cast.hackney.authority.pk, **fields())
    assert response.status_code == 302, response.context["form"].errors
    report = only_report()
    assert report.authority == cast.hackney.authority
    assert report.period == expected()
    page = client_for(cast.hackney.lead).get(reverse("outcomes:reports")).content.decode()
    assert expected().label in page


def test_answers_under_periods_not_chosen_are_not_read(cast, client_for):
    """Without JavaScript every revealed question is on the page and sent: only the chosen
    period's answer counts, whatever the others hold."""
    response = ask(
        client_for(cast.hackney.lead),
        cast.hackney.authority.pk,
        period="last_12_months",
        month="not a month",
        quarter="",
        **boxes("start", typed=("31", "2", "2026")),
        **boxes("end", typed=("x", "", "")),
    )
    assert response.status_code == 302
    assert only_report().period == Period.last_12_months(TODAY)


def test_bad_dates_are_refused_on_their_field_and_the_form_keeps_what_was_typed(cast, client_for):
    client = client_for(cast.hackney.lead)
    start = TODAY - timedelta(days=10)
    response = ask(
        client,
        cast.hackney.authority.pk,
        period="dates",
        **boxes("start", start),
        **boxes("end", start - timedelta(days=1)),
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "end": ["The end date cannot be before the start date."]
    }
    page = response.content.decode()
    assert f'name="start_day" value="{start.day:02d}"' in page
    assert f'name="end_year" value="{start.year}"' in page
    # The chosen radio stays chosen and its question shows; the summary links to the day box.
    assert re.search(r'value="dates" checked', page)
    assert 'class="govuk-radios__conditional" id="conditional_period_5"' in page
    assert 'href="#id_end_day"' in page and 'id="id_end_day"' in page
    assert not Report.objects.exists()

    typed = ask(
        client,
        cast.hackney.authority.pk,
        period="dates",
        **boxes("start", typed=("31", "2", "2026")),
        **boxes("end", TODAY),
    )
    assert typed.status_code == 400
    assert typed.context["form"].errors == {
        "start": ["Start date must be a real date, like 27 3 2026"]
    }
    assert 'name="start_day" value="31"' in typed.content.decode()

    nothing = ask(client, cast.hackney.authority.pk, period="dates")
    assert nothing.context["form"].errors == {
        "start": ["Enter the start date."],
        "end": ["Enter the end date."],
    }
    too_long = ask(
        client,
        cast.hackney.authority.pk,
        period="dates",
        **boxes("start", date(2022, 1, 1)),
        **boxes("end", date(2024, 1, 1)),
    )
    assert too_long.context["form"].errors == {
        "end": [
            "A report can cover at most 2 years. Choose an end date on or before 31 December 2023."
        ]
    }
    future = ask(
        client,
        cast.hackney.authority.pk,
        period="dates",
        **boxes("start", TODAY),
        **boxes("end", TODAY + timedelta(days=1)),
    )
    assert future.context["form"].errors == {"end": ["The end date cannot be in the future."]}
    assert not Report.objects.exists()


def test_a_period_left_out_or_not_offered_is_refused_on_its_question(cast, client_for):
    client = client_for(cast.hackney.lead)
    place = cast.hackney.authority.pk
    assert ask(client, place).context["form"].errors == {"period": ["Choose a period"]}
    assert ask(client, place, period="quarter", quarter="").context["form"].errors == {
        "quarter": ["Choose a quarter"]
    }
    # A quarter not yet over is not offered, so a hand-made post for one is refused.
    this_quarter = date(TODAY.year, (TODAY.month - 1) // 3 * 3 + 1, 1).isoformat()
    errors = ask(client, place, period="quarter", quarter=this_quarter).context["form"].errors
    assert errors == {"quarter": ["Choose a quarter from the list"]}
    assert not Report.objects.exists()


def test_the_page_offers_every_kind_with_its_question_revealed_beneath_it(cast, client_for):
    page = client_for(cast.hackney.lead).get(reverse("outcomes:reports")).content.decode()
    for number, kind in enumerate(PeriodKind, start=1):
        assert f'id="id_period_{number}" value="{kind.value}"' in page
    # Each question names its radio; the last 12 months has none. Only the chosen radio's
    # question is drawn shown (scripts hide the rest; without them every one shows).
    assert page.count("data-revealed-by=") == 4
    assert 'id="id_period_1" value="month" checked' in page
    assert re.search(
        r'class="govuk-radios__conditional" id="conditional_period_1" '
        r'data-revealed-by="id_period_1"',
        page,
    )
    assert page.count("govuk-radios__conditional--hidden") == 3
    assert "aria-expanded" not in page and "aria-controls" not in page
    assert Period.last_12_months(TODAY).label in page  # the radio's hint


# --- The name everywhere ---------------------------------------------------------------------


def made(authority, start: date, end: date, actor) -> Report:
    """A report for any period, made as the worker makes it (the request's own checks are
    tested above; this one covers a period wherever it falls)."""
    report = Report.objects.create(
        scope="authority" if authority else "london",
        authority=authority,
        period_start=start,
        period_end=end,
        requested_by=actor,
        suppression_threshold=settings.DISCLOSURE_THRESHOLD,
    )
    return services.report_generate(report.pk)


def test_a_financial_years_files_and_pages_name_it_exactly(cast, client_for):
    allocated_case(cast.hackney)
    report = made(cast.hackney.authority, date(2026, 4, 1), date(2027, 3, 31), cast.hackney.lead)
    label = "1 April 2026 to 31 March 2027 (financial year 2026 to 2027)"
    stem = "your-choice-hackney-E09000012-2026-04-01-to-2027-03-31-financial-year"
    files = {f.format: Path(settings.MEDIA_ROOT) / str(f.file.name) for f in report.files.all()}
    assert {path.name for path in files.values()} == {
        f"{stem}.{fmt}" for fmt in ("csv", "xlsx", "html")
    }  # the PDF is made on its first download, named the same
    text = files["csv"].read_text(encoding="utf-8-sig")
    assert f"# Period: {label}\n" in text.replace("\r\n", "\n")
    about = openpyxl.load_workbook(files["xlsx"])["About this report"]
    assert ["Period", label] in [[c.value for c in row] for row in about.iter_rows()]
    html = files["html"].read_text()
    assert f"<title>Your Choice outcome report: Hackney, {label}</title>" in html
    assert f"<strong>Hackney: {label}</strong>" in html
    page = client_for(cast.hackney.lead).get(reverse("outcomes:reports")).content.decode()
    assert f'<span class="govuk-!-font-size-16" data-testid="period">{label}</span>' in page
    assert f'CSV<span class="govuk-visually-hidden"> for Hackney, {label}</span>' in page
    assert f'PDF<span class="govuk-visually-hidden"> for Hackney, {label}</span>' in page
    pdf = client_for(cast.hackney.lead).get(
        reverse("outcomes:report-download", args=[report.pk, "pdf"])
    )
    assert f'filename="{stem}.pdf"' in pdf["Content-Disposition"]
    download = client_for(cast.hackney.lead).get(
        reverse("outcomes:report-download", args=[report.pk, "csv"])
    )
    assert f'filename="{stem}.csv"' in download["Content-Disposition"]


def test_a_twelve_month_report_is_not_called_by_its_first_month(cast, client_for):
    """The download links said "Hackney, December 2025" for a year-long report."""
    allocated_case(cast.hackney)
    made(cast.hackney.authority, date(2025, 12, 1), date(2026, 11, 30), cast.hackney.lead)
    page = client_for(cast.programme_lead).get(reverse("outcomes:reports")).content.decode()
    assert "for Hackney, 1 December 2025 to 30 November 2026 (12 months)</span>" in page
    assert "December 2025</span>" not in page


def test_the_monthly_schedules_reports_and_a_quarter_are_named_on_the_list(cast, client_for):
    services.monthly_reports(TODAY)
    last_month = Period.month(TODAY.replace(day=1) - timedelta(days=1))
    quarter = made(None, date(2026, 7, 1), date(2026, 9, 30), cast.programme_lead)
    page = client_for(cast.programme_lead).get(reverse("outcomes:reports")).content.decode()
    assert f'data-testid="period">{last_month.label}</span>' in page
    assert f'data-testid="period">{quarter.period.label}</span>' in page
    assert quarter.period.label == "Quarter: 1 July to 30 September 2026"
    name = str(quarter.files.get(format="csv").file.name)
    assert name.endswith("your-choice-london-2026-07-01-to-2026-09-30-quarter.csv")
    rows = list(csv.reader(io.StringIO((Path(settings.MEDIA_ROOT) / name).read_text("utf-8-sig"))))
    assert ["# Period: Quarter: 1 July to 30 September 2026"] in rows


def test_the_london_page_names_its_periods_the_same_way(cast, client_for):
    for authority in (cast.hackney.authority, cast.southwark.authority):
        Report.objects.create(
            scope="authority",
            authority=authority,
            period_start=date(2025, 4, 1),
            period_end=date(2026, 3, 31),
            status=ReportStatus.READY,
            finished_at=timezone.now(),
            results=[],
        )
    page = client_for(cast.programme_lead).get(reverse("outcomes:london")).content.decode()
    assert "Figures for 1 April 2025 to 31 March 2026 (financial year 2025 to 2026)" in page
