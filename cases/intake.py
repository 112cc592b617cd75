"""Forms for referral intake, allocation and transfer (C1, C2, C5)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from accounts import access
from accounts.models import Authority, Membership
from cases.models import (
    EducationStatus,
    Ethnicity,
    Gender,
    Harm,
    LookedAfter,
    RiskLevel,
    SpecialNeeds,
    YouthJustice,
)
from yourchoice.web.forms import GovForm, date_field
from yourchoice.web.versioned_form import VersionedForm


class ReferralForm(GovForm):
    authority = forms.ModelChoiceField(
        label="Authority", queryset=Authority.objects.none(), empty_label=None
    )
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter the young person's first name"},
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter the young person's last name"},
    )
    preferred_name = forms.CharField(
        label="Name they like to be called (optional)", max_length=100, required=False
    )
    date_of_birth = date_field("Date of birth", "Enter the young person's date of birth")
    gender = forms.ChoiceField(label="Gender", choices=Gender.choices, initial=Gender.NOT_KNOWN)
    ethnicity = forms.ChoiceField(
        label="Ethnicity", choices=Ethnicity.choices, initial=Ethnicity.NOT_KNOWN
    )
    special_needs = forms.ChoiceField(
        label="Special educational needs",
        choices=SpecialNeeds.choices,
        initial=SpecialNeeds.NOT_KNOWN,
    )
    looked_after = forms.ChoiceField(
        label="Looked-after status", choices=LookedAfter.choices, initial=LookedAfter.NOT_KNOWN
    )
    education_status = forms.ChoiceField(
        label="Education", choices=EducationStatus.choices, initial=EducationStatus.NOT_KNOWN
    )
    youth_justice = forms.ChoiceField(
        label="Youth justice involvement",
        choices=YouthJustice.choices,
        initial=YouthJustice.NOT_KNOWN,
    )
    referrer_name = forms.CharField(
        label="Name of the person referring",
        max_length=150,
        error_messages={"required": "Enter who referred the young person"},
    )
    referrer_organisation = forms.CharField(
        label="Their organisation or service",
        max_length=150,
        error_messages={"required": "Enter the referrer's organisation or service"},
    )
    received_on = date_field(
        "Date the referral was received", "Enter the date the referral was received"
    )
    panel_date = date_field("Date of the risk panel", "Enter the date of the risk panel")
    risk_level = forms.ChoiceField(
        label="Risk level from the panel",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the risk level"},
    )
    harms = forms.MultipleChoiceField(
        label="Harms of concern",
        choices=Harm.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one harm of concern"},
    )
    consent_given = forms.BooleanField(label="The young person agreed to take part", required=False)
    research_consent = forms.BooleanField(
        label="They agreed that pseudonymised information may be used to evaluate the programme",
        required=False,
    )
    confirm_date_of_birth = forms.BooleanField(
        label="Yes, the date of birth is right",
        help_text="The referral will be recorded as not taken on.",
        required=False,
    )
    #: The answer to "is this one of these young people?" that says it is someone new.
    NEW_PERSON = "new"

    same_as = forms.ChoiceField(
        label="Is this one of these young people?",
        required=False,
        widget=forms.RadioSelect,
        choices=[],
    )

    def __init__(
        self,
        *args: Any,
        authorities: list[Authority],
        matches: list[Any] | None = None,
        ask_to_confirm_age: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if ask_to_confirm_age:
            # Asked right under the date it is about, which comes back highlighted.
            names = list(self.fields)
            self.order_fields(names[: names.index("date_of_birth") + 1] + ["confirm_date_of_birth"])
        else:
            del self.fields["confirm_date_of_birth"]
        self.fields["authority"].queryset = Authority.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk__in=[a.pk for a in authorities]
        )
        if len(authorities) == 1:
            self.fields["authority"].initial = authorities[0].pk
            self.fields["authority"].widget = forms.HiddenInput()
        self.initial.setdefault("received_on", timezone.localdate())
        if matches:
            self.fields["same_as"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
                (
                    str(m.pk),
                    f"{m.reference}: {m.given_name} {m.family_name}, "
                    f"born {m.date_of_birth:%-d %B %Y}",
                )
                for m in matches
            ] + [(self.NEW_PERSON, "No, this is a different young person")]
            self.fields["same_as"].required = True
            self.fields["same_as"].error_messages["required"] = (
                "Choose whether this is one of the young people already recorded"
            )
        else:
            del self.fields["same_as"]


class ReassessForm(VersionedForm):
    """The date of birth on a referral that was not taken on, corrected to check it again."""

    date_of_birth = ReferralForm.base_fields["date_of_birth"]


class AllocateForm(GovForm):
    membership = forms.ModelChoiceField(
        label="Coach",
        queryset=Membership.objects.none(),
        empty_label="Choose a coach",
        error_messages={"required": "Choose a coach"},
    )

    def __init__(self, *args: Any, authority_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            access.allocatable_coaches(authority_id)
            .select_related("user", "team")
            .order_by("user__full_name")
        )
        field.label_from_instance = lambda m: f"{m.user.full_name}, {m.team.name}"  # type: ignore[attr-defined]  # a ModelChoiceField


class TransferForm(GovForm):
    authority = forms.ModelChoiceField(
        label="Authority to transfer to",
        queryset=Authority.objects.none(),
        empty_label="Choose an authority",
        error_messages={"required": "Choose an authority"},
    )

    def __init__(self, *args: Any, exclude_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = Authority.objects.filter(active=True).exclude(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk=exclude_id
        )
