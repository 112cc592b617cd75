from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Size
from django import forms
from django.utils import timezone
from django.utils.html import format_html

from outcomes.models import MAX_RATING, MIN_RATING, GoalStatus, Occasion
from outcomes.scoring.sdq import ITEM_NUMBERS, SCALES
from yourchoice.web.forms import GovForm, ScaleSelect, date_field

SCORE_WIDGET = {"inputmode": "numeric", "class": "govuk-input--width-2", "autocomplete": "off"}


def score_field(
    label: str, help_text: str = "", *, low: int = MIN_RATING, high: int = MAX_RATING
) -> forms.IntegerField:
    """A score on a 0 to 10 scale (a goal rating, by default; a feeling passes its own)."""
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs=SCORE_WIDGET),
        error_messages={
            "invalid": f"Enter a whole number from {low} to {high}",
            "min_value": f"Enter a number from {low} to {high}",
            "max_value": f"Enter a number from {low} to {high}",
        },
    )


def scale_field(
    label: str,
    help_text: str = "",
    *,
    what: str,
    low: int = MIN_RATING,
    high: int = MAX_RATING,
    last: int | None = None,
    large: bool = False,
) -> forms.TypedChoiceField:
    """A score from `low` to `high` as one tap on a scale, showing last time's answer. `what`
    names the question in its error ("Choose how they felt at the end, from 0 to 10");
    `large` gives bigger boxes (the young person's turn)."""
    message = f"Choose {what}, from {low} to {high}"
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=[(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        empty_value=None,
        widget=ScaleSelect(last=last, large=large),
        error_messages={"invalid_choice": message, "required": message},
    )


class YoungPersonTurnForm(GovForm):
    """The young person's own answers on the coach's phone (S7): how they feel, and each live
    goal in their own words, each one tap on a large scale. Nothing else of the record: the
    hidden key only makes a double tap save once."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    feeling = scale_field(
        "How are you feeling right now?",
        f"{MIN_RATING} is really bad, {MAX_RATING} is really good",
        what="how you are feeling",
        large=True,
    )

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            # The GOV.UK templates print labels as HTML: stored text is escaped here.
            self.fields[f"goal_{goal.pk}"] = scale_field(
                format_html("\u201c{}\u201d", goal.description),
                f"How far have you got? {MIN_RATING} is not at all, {MAX_RATING} is done it",
                what="how far you have got",
                large=True,
            )
        self.helper.legend_size = Size.for_legend(Size.MEDIUM)

    def goal_scores(self) -> dict[int, int]:
        return {
            goal.pk: self.cleaned_data[f"goal_{goal.pk}"]
            for goal in self.goals
            if self.cleaned_data.get(f"goal_{goal.pk}") is not None
        }


class GoalForm(GovForm):
    description = forms.CharField(
        label="The goal, in the young person's own words",
        help_text=(
            "Write it the way they said it, for example "
            "\u201cstop getting into fights at school\u201d."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": "Write the goal in the young person's own words"},
    )
    agreed_on = date_field("Date agreed", "Enter the date the goal was agreed")
    first_score = scale_field(
        "How far is it met now?",
        "0 means not at all, 10 means fully met",
        what="how far the goal is met now",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_score"].required = True
        self.fields["first_score"].error_messages["required"] = (
            "Give the goal a first rating from 0 to 10"
        )
        self.initial.setdefault("agreed_on", timezone.localdate())


class GoalEndForm(GovForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="What happened to this goal?",
        choices=[
            (GoalStatus.ACHIEVED, "Achieved"),
            (GoalStatus.REPLACED, "Replaced with a new goal"),
            (GoalStatus.DROPPED, "Dropped"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened to the goal"},
    )
    replacement = forms.CharField(
        label="The new goal, if it is replaced",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )
    replacement_score = scale_field(
        "First rating of the new goal",
        "0 means not at all, 10 means fully met",
        what="the new goal's first rating",
    )


class MeasureOccasionForm(GovForm):
    occasion = forms.ChoiceField(
        label="When in the work is this?",
        choices=Occasion.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose baseline, review or end"},
    )
    completed_on = date_field(
        "Date the young person filled it in", "Enter the date it was filled in"
    )


SDQ_ANSWERS = [
    ("", "Not answered"),
    ("0", "Not true"),
    ("1", "Somewhat true"),
    ("2", "Certainly true"),
]


class SdqItemsForm(MeasureOccasionForm):
    """The answer ticked for each SDQ item number. The questions are never shown (licence)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in ITEM_NUMBERS:
            self.fields[f"item_{number}"] = forms.ChoiceField(
                label=f"Item {number}", choices=SDQ_ANSWERS, required=False
            )

    def answers(self) -> dict[int, int | None]:
        return {
            number: int(value) if (value := self.cleaned_data[f"item_{number}"]) != "" else None
            for number in ITEM_NUMBERS
        }


class SdqScalesForm(MeasureOccasionForm):
    emotional = score_field("Emotional problems", "0 to 10; leave empty if not scored")
    conduct = score_field("Conduct problems", "0 to 10; leave empty if not scored")
    hyperactivity = score_field("Hyperactivity", "0 to 10; leave empty if not scored")
    peer = score_field("Peer problems", "0 to 10; leave empty if not scored")
    prosocial = score_field("Prosocial behaviour", "0 to 10; leave empty if not scored")

    def scales(self) -> dict[str, int | None]:
        return {name: self.cleaned_data[name] for name in SCALES}
