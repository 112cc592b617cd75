"""Report periods (O7): the periods a report can be asked for, and the one name each has.

A period is a run of whole days, its first and last day included. A report can be asked for a
month, a quarter, a financial year (April to March), the last 12 months or any other dates; the
form (outcomes/reports/forms.py) and the API (outcomes/api.py) both turn what was asked into a
`Period` through `period_for`, and the service checks it again with `problems`.

A period's name comes from its dates alone (`Period.label`), so a report has the same name on
its list, on the London page, in every file it makes and in the API, however it was asked for:
a financial year asked for as dates is still called a financial year, and a year-long report
made on the 1st of the month is "(12 months)", never the name of its first month.

The longest period is LONGEST_PERIOD_YEARS, two years, and why: the longest period O7 names is
a year; two years still holds two financial years side by side, to compare a year with the one
before. A longer period adds nothing the programme reports on, blurs the figures a report is
for (a dose per week or an attendance rate over several years says little about any of them),
and each report reads one snapshot of the reporting database for its whole run, with queries
that grow with the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models

from yourchoice.data import dates
from yourchoice.data.errors import DomainError

#: The longest period a report covers (see the module's docstring for why).
LONGEST_PERIOD_YEARS = 2
#: The financial year starts on 1 April.
FINANCIAL_YEAR_FIRST_MONTH = 4
#: How many ended months and quarters the form offers.
MONTHS_OFFERED = 24
QUARTERS_OFFERED = 8


class PeriodKind(models.TextChoices):
    """What a report can be asked for (the form's radios, the API's `period`)."""

    MONTH = "month", "A month"
    QUARTER = "quarter", "A quarter"
    FINANCIAL_YEAR = "financial_year", "A financial year (April to March)"
    LAST_12_MONTHS = "last_12_months", "The last 12 months"
    DATES = "dates", "Other dates"


def month_end(day: date) -> date:
    """The last day of the month `day` is in."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_after(first: date, months: int) -> date:
    """The first day of the month `months` after (or, negative, before) `first`'s month."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _day_month(day: date) -> str:
    return f"{day.day} {day:%B}"


@dataclass(frozen=True)
class Period:
    """A run of whole days, `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def month(cls, first: date) -> Period:
        return cls(first.replace(day=1), month_end(first))

    @classmethod
    def quarter(cls, first: date) -> Period:
        first = first.replace(day=1)
        return cls(first, month_end(months_after(first, 2)))

    @classmethod
    def financial_year(cls, starting_year: int) -> Period:
        first = date(starting_year, FINANCIAL_YEAR_FIRST_MONTH, 1)
        return cls(first, months_after(first, 12) - timedelta(days=1))

    @classmethod
    def last_12_months(cls, today: date) -> Period:
        """The 12 whole months before this one: on 3 December 2026, 1 December 2025 to
        30 November 2026."""
        end = today.replace(day=1) - timedelta(days=1)
        return cls(months_after(end.replace(day=1), -11), end)

    @property
    def whole_month(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.start)

    @property
    def _whole_months(self) -> int:
        """How many whole calendar months the period is, or 0 if it is not whole months."""
        if self.start.day != 1 or self.end != month_end(self.end) or self.end < self.start:
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def is_financial_year(self) -> bool:
        return self.start.month == FINANCIAL_YEAR_FIRST_MONTH and self._whole_months == 12

    @property
    def is_quarter(self) -> bool:
        return self.start.month in (1, 4, 7, 10) and self._whole_months == 3

    @property
    def label(self) -> str:
        """The period's name, everywhere a period is shown: pages, files, the API.

        "November 2026"; "Quarter: 1 July to 30 September 2026"; "1 April 2026 to 31 March 2027
        (financial year 2026 to 2027)"; "1 December 2025 to 30 November 2026 (12 months)";
        otherwise "3 March 2026 to 15 June 2026", or "3 March 2026" for one day."""
        start, end = self.start, self.end
        if start == end:
            return dates.long_form(start)
        if self.whole_month:
            return f"{start:%B %Y}"
        if self.is_quarter:
            return f"Quarter: {_day_month(start)} to {dates.long_form(end)}"
        span = f"{dates.long_form(start)} to {dates.long_form(end)}"
        if self.is_financial_year:
            return f"{span} (financial year {start.year} to {end.year})"
        if self._whole_months == 12:
            return f"{span} (12 months)"
        return span

    @property
    def file_part(self) -> str:
        """The period in a file name: its dates, then what kind of period it is if it has a
        name ("2026-04-01-to-2027-03-31-financial-year")."""
        dates_part = f"{self.start:%Y-%m-%d}-to-{self.end:%Y-%m-%d}"
        if self.start == self.end:
            return dates_part
        if self.whole_month:
            return f"{dates_part}-month"
        if self.is_quarter:
            return f"{dates_part}-quarter"
        if self.is_financial_year:
            return f"{dates_part}-financial-year"
        if self._whole_months == 12:
            return f"{dates_part}-12-months"
        return dates_part

    @property
    def query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"

    def latest_end(self) -> date:
        """The last day a period starting when this one does may end on: the day before the
        same date LONGEST_PERIOD_YEARS later (28 February for a start on 29 February)."""
        later = months_after(self.start, 12 * LONGEST_PERIOD_YEARS)
        return later + timedelta(days=self.start.day - 1) - timedelta(days=1)


def problems(period: Period, *, today: date) -> dict[str, list[str]]:
    """What is wrong with a period asked for as dates, by field ("start", "end"); empty when
    it may be reported on. The service checks every request with this."""
    errors: dict[str, list[str]] = {}
    dates.add(errors, "start", dates.happened(period.start, what="The start date", today=today))
    if period.end < period.start:
        errors.setdefault("end", []).append("The end date cannot be before the start date.")
    elif period.end > today:
        errors.setdefault("end", []).append("The end date cannot be in the future.")
    elif period.end > period.latest_end():
        errors.setdefault("end", []).append(
            f"A report can cover at most {LONGEST_PERIOD_YEARS} years. Choose an end date on "
            f"or before {dates.long_form(period.latest_end())}."
        )
    return errors


#: The first day each kind of period starts on, said for a message.
_STARTS_ON = {
    PeriodKind.MONTH: "a month starts on its 1st day, like 2026-11-01",
    PeriodKind.QUARTER: "a quarter starts on 1 January, 1 April, 1 July or 1 October",
    PeriodKind.FINANCIAL_YEAR: "a financial year starts on 1 April",
}


def _named(kind: PeriodKind, start: date) -> Period | None:
    if kind == PeriodKind.MONTH:
        return Period.month(start) if start.day == 1 else None
    if kind == PeriodKind.QUARTER:
        ok = start.day == 1 and start.month in (1, 4, 7, 10)
        return Period.quarter(start) if ok else None
    ok = start.day == 1 and start.month == FINANCIAL_YEAR_FIRST_MONTH
    return Period.financial_year(start.year) if ok else None


def period_for(
    kind: PeriodKind | str, *, start: date | None, end: date | None, today: date
) -> Period:
    """The period asked for, or DomainError with plain messages on "start" and "end".

    A month, quarter or financial year is asked for by its first day (`start`); its end follows,
    and it must have ended (its last day is over). The last 12 months take neither date. Other
    dates take both."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.DATES:
        missing = {}
        if start is None:
            missing["start"] = ["Enter the start date."]
        if end is None:
            missing["end"] = ["Enter the end date."]
        if missing:
            raise DomainError(missing)
        assert start is not None and end is not None  # both checked just above
        period = Period(start, end)
        errors = problems(period, today=today)
        if errors:
            raise DomainError(errors)
        return period
    if kind == PeriodKind.LAST_12_MONTHS:
        sent = {
            name: ["Leave this out: the last 12 months follow from today."]
            for name, value in (("start", start), ("end", end))
            if value is not None
        }
        if sent:
            raise DomainError(sent)
        return Period.last_12_months(today)
    if end is not None:
        raise DomainError({"end": [f"Leave this out: {_STARTS_ON[kind]}, and its end follows."]})
    if start is None:
        raise DomainError({"start": [f"Enter the first day: {_STARTS_ON[kind]}."]})
    named = _named(kind, start)
    if named is None:
        raise DomainError({"start": [f"That is not a first day: {_STARTS_ON[kind]}."]})
    period = named
    if period.end >= today:  # ended means its last day is over; dates may run to today
        raise DomainError(
            {"start": [f"{period.label} has not ended yet. Ask for dates up to today instead."]}
        )
    errors = problems(period, today=today)
    if errors:
        # Only the start was sent, so every problem is the start's.
        raise DomainError({"start": [m for messages in errors.values() for m in messages]})
    return period


def _ended(periods: list[Period], today: date) -> list[Period]:
    return [p for p in periods if p.end < today and p.start >= dates.EARLIEST_EVENT]


def months_offered(today: date) -> list[Period]:
    """Ended months, newest first (the form's list)."""
    this_month = today.replace(day=1)
    return _ended(
        [Period.month(months_after(this_month, -n)) for n in range(1, MONTHS_OFFERED + 1)], today
    )


def quarters_offered(today: date) -> list[Period]:
    """Ended quarters, newest first."""
    this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return _ended(
        [
            Period.quarter(months_after(this_quarter, -3 * n))
            for n in range(1, QUARTERS_OFFERED + 1)
        ],
        today,
    )


def financial_years_offered(today: date) -> list[Period]:
    """Ended financial years since the programme began, newest first."""
    first = dates.EARLIEST_EVENT.year
    return _ended([Period.financial_year(year) for year in range(today.year, first - 1, -1)], today)
