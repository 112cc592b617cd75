"""Asking for a report: an area and a period (O4, O7).

The period is a set of GOV.UK radios, each with the one question it needs revealed beneath it
(crispy-forms-gds's ConditionalRadios, drawn by templates/gds/layout/conditional_question.html).
Without JavaScript every question shows, and only the chosen period's answers are read.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Layout, Size
from django import forms
from django.utils import timezone

from accounts.models import Authority
from outcomes.reports import periods
from outcomes.reports.periods import LONGEST_PERIOD_YEARS, Period, PeriodKind
from yourchoice.data.errors import DomainError
from yourchoice.web.forms import GovForm, date_field

LONDON = "london"

#: The question each kind of period reveals, by the form field that holds its answer.
CHOSEN_BY = {
    PeriodKind.MONTH: "month",
    PeriodKind.QUARTER: "quarter",
    PeriodKind.FINANCIAL_YEAR: "financial_year",
}
DATE_FIELDS = ("start", "end")
#: What to say when the chosen period's question has no answer.
NOT_CHOSEN = {
    "month": "Choose a month",
    "quarter": "Choose a quarter",
    "financial_year": "Choose a financial year",
}


def month_choices(today: date | None = None) -> list[tuple[str, str]]:
    """Ended months, newest first, as (first day, name)."""
    return _choices(periods.months_offered(today or timezone.localdate()))


def _choices(offered: list[Period]) -> list[tuple[str, str]]:
    return [(p.start.isoformat(), p.label) for p in offered]


class ReportRequestForm(GovForm):
    place = forms.ChoiceField(label="Which area?", error_messages={"required": "Choose an area"})
    period = forms.ChoiceField(
        label="Which period?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a period", "invalid_choice": "Choose a period"},
    )
    month = forms.ChoiceField(
        label="Which month?",
        required=False,
        error_messages={"invalid_choice": "Choose a month from the list"},
    )
    quarter = forms.ChoiceField(
        label="Which quarter?",
        required=False,
        error_messages={"invalid_choice": "Choose a quarter from the list"},
    )
    financial_year = forms.ChoiceField(
        label="Which financial year?",
        required=False,
        error_messages={"invalid_choice": "Choose a financial year from the list"},
    )
    start = date_field("Start date", help_text="For example, 1 4 2026")
    end = date_field(
        "End date",
        help_text=f"Today at the latest. A report covers at most {LONGEST_PERIOD_YEARS} years",
    )

    def __init__(
        self,
        *args: Any,
        authorities: list[Authority],
        london: bool,
        today: date | None = None,
        **kwargs: Any,
    ) -> None:
        self.today = today or timezone.localdate()
        months = _choices(periods.months_offered(self.today))
        quarters = _choices(periods.quarters_offered(self.today))
        years = _choices(periods.financial_years_offered(self.today))
        kwargs.setdefault(
            "initial",
            {
                "period": PeriodKind.MONTH,
                "month": months[0][0] if months else "",
                "quarter": quarters[0][0] if quarters else "",
                "financial_year": years[0][0] if years else "",
            },
        )
        super().__init__(*args, **kwargs)
        self._period: Period | None = None
        choices = [(LONDON, "All of London")] if london else []
        place = cast(forms.ChoiceField, self.fields["place"])
        place.choices = choices + [(str(a.pk), a.name) for a in authorities]
        last_12 = Period.last_12_months(self.today)
        hints = {
            PeriodKind.LAST_12_MONTHS: last_12.label,
            PeriodKind.DATES: "Choose the first and last day",
        }
        cast(forms.ChoiceField, self.fields["period"]).choices = [
            Choice(kind.value, kind.label, hint=hints.get(kind, "")) for kind in PeriodKind
        ]
        cast(forms.ChoiceField, self.fields["month"]).choices = months
        cast(forms.ChoiceField, self.fields["quarter"]).choices = quarters
        cast(forms.ChoiceField, self.fields["financial_year"]).choices = years
        # With a layout the helper makes the size classes itself, from the sizes.
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.layout = Layout(
            "place",
            ConditionalRadios(
                "period",
                ConditionalQuestion(PeriodKind.MONTH.label, "month"),
                ConditionalQuestion(PeriodKind.QUARTER.label, "quarter"),
                ConditionalQuestion(PeriodKind.FINANCIAL_YEAR.label, "financial_year"),
                PeriodKind.LAST_12_MONTHS.label,
                ConditionalQuestion(PeriodKind.DATES.label, *DATE_FIELDS),
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        kind = data.get("period")
        if not kind:
            return data
        kind = PeriodKind(kind)
        # Questions under periods not chosen were sent too (every one shows without
        # JavaScript): whatever they hold, they are not part of this request.
        answers: tuple[str, ...] = (CHOSEN_BY[kind],) if kind in CHOSEN_BY else ()
        if kind == PeriodKind.DATES:
            answers = DATE_FIELDS
        for name in (*CHOSEN_BY.values(), *DATE_FIELDS):
            if name not in answers:
                self.errors.pop(name, None)  # during clean, the form's own error dict
                data.pop(name, None)
        if any(name in self.errors for name in answers):
            return data  # not a real date, or not in the list: said already
        start = end = None
        if kind in CHOSEN_BY:
            chosen = data.get(CHOSEN_BY[kind])
            if not chosen:
                self.add_error(CHOSEN_BY[kind], NOT_CHOSEN[CHOSEN_BY[kind]])
                return data
            start = date.fromisoformat(chosen)
        elif kind == PeriodKind.DATES:
            start, end = data.get("start"), data.get("end")
        try:
            self._period = periods.period_for(kind, start=start, end=end, today=self.today)
        except DomainError as error:
            for key, messages in error.errors.items():
                target = key if kind == PeriodKind.DATES else answers[0] if answers else None
                for message in messages:
                    self.add_error(target, message)
        return data

    def chosen_period(self) -> Period:
        """The period asked for, once the form is valid."""
        assert self._period is not None, "only a valid form has a period"
        return self._period
