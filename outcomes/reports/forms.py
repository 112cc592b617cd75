from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from accounts.models import Authority
from yourchoice.web.forms import GovForm

LONDON = "london"


def month_choices(months: int = 24) -> list[tuple[str, str]]:
    first = timezone.localdate().replace(day=1)
    choices = []
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        choices.append((first.isoformat(), f"{first:%B %Y}"))
    return choices


class ReportRequestForm(GovForm):
    place = forms.ChoiceField(label="Which area?", error_messages={"required": "Choose an area"})
    month = forms.ChoiceField(label="Which month?", error_messages={"required": "Choose a month"})

    def __init__(
        self, *args: Any, authorities: list[Authority], london: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(LONDON, "All of London")] if london else []
        place = cast(forms.ChoiceField, self.fields["place"])
        place.choices = choices + [(str(a.pk), a.name) for a in authorities]
        cast(forms.ChoiceField, self.fields["month"]).choices = month_choices()

    def period(self) -> tuple[date, date]:
        start = date.fromisoformat(self.cleaned_data["month"])
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return start, end
