from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms

from accounts.models import User
from cases.models import EndingReason, FlagCategory, FlagLevel
from yourchoice.web.forms import GovForm, date_field
from yourchoice.web.versioned_form import VersionedForm

if TYPE_CHECKING:
    from accounts.models import User


class ClosureDecisionForm(GovForm):
    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label="Do you approve closing this case?",
        choices=[(APPROVE, "Yes, close the case"), (RETURN, "No, return it to the coach")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve closing the case"},
    )
    comment = forms.CharField(
        label="Comment for the coach",
        help_text="Needed if you return the request: say what should happen first.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("decision") == self.RETURN and not data.get("comment", "").strip():
            self.add_error(
                "comment", "Say why the request is returned, so the coach knows what to do"
            )
        return data


class FlagForm(GovForm):
    category = forms.ChoiceField(
        label="What kind of risk?",
        choices=FlagCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of risk it is"},
    )
    level = forms.ChoiceField(
        label="How serious?",
        choices=FlagLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how serious it is"},
    )
    summary = forms.CharField(
        label="What is the concern?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Describe the concern"},
    )
    review_on = date_field("Review by", "Enter a review date")


class FlagReviewForm(VersionedForm):
    level = forms.ChoiceField(
        label="How serious is it now?",
        choices=FlagLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how serious it is"},
    )
    review_on = date_field("Review by", "Enter a review date")


class FlagResolveForm(GovForm):
    resolution = forms.CharField(
        label="What was done, or why is the flag no longer needed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say what was done, or why the flag is no longer needed"},
    )


class BudgetSpendForm(GovForm):
    description = forms.CharField(
        label="What was it for?",
        max_length=200,
        help_text="For example: a month's gym membership",
        error_messages={"required": "Say what the money was spent on"},
    )
    amount = forms.DecimalField(
        label="Amount, in pounds",
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the amount",
            "invalid": "Enter an amount in pounds, like 12.50",
            "min_value": "Enter an amount more than £0",
            "max_decimal_places": "Enter the amount to the nearest penny",
        },
    )
    spent_on = date_field("Date spent", "Enter the date")
    approved_by: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Approved by",
        queryset=None,  # set per case: its supervisors and borough leads
        empty_label="Choose who approved it",
        error_messages={"required": "Choose who approved the spending"},
    )

    def __init__(self, *args: Any, approvers: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        self.fields["approved_by"].queryset = User.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk__in=[u.pk for u in approvers]
        )

    def amount_pence(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


class ClosureRequestForm(GovForm):
    ending_reason = forms.ChoiceField(
        label="Why is the work ending?",
        choices=[c for c in EndingReason.choices if c[0] != EndingReason.NOT_ELIGIBLE],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the work is ending"},
    )
    summary = forms.CharField(
        label="Summary for your supervisor",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Say briefly why the case should close"},
    )
