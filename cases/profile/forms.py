"""Forms for the young person's profile and key contacts. Both carry the record's version."""

from __future__ import annotations

from django import forms

from cases.intake import ReferralForm
from yourchoice.web.forms import GovForm
from yourchoice.web.versioned_form import VersionedForm

_referral = ReferralForm.base_fields


class ProfileForm(VersionedForm):
    """The same questions as at referral, answered again when something turns out different."""

    given_name = _referral["given_name"]
    family_name = _referral["family_name"]
    preferred_name = _referral["preferred_name"]
    date_of_birth = _referral["date_of_birth"]
    gender = _referral["gender"]
    ethnicity = _referral["ethnicity"]
    special_needs = _referral["special_needs"]
    looked_after = _referral["looked_after"]
    education_status = _referral["education_status"]
    youth_justice = _referral["youth_justice"]
    research_consent = _referral["research_consent"]


class ContactForm(GovForm):
    name = forms.CharField(
        label="Name", max_length=150, error_messages={"required": "Enter the contact's name"}
    )
    relationship = forms.CharField(
        label="Who they are to the young person",
        help_text="For example: mother, foster carer, social worker",
        max_length=100,
        error_messages={"required": "Say who they are to the young person"},
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "class": "govuk-input--width-20"}
        ),
    )
    email = forms.EmailField(
        label="Email address (optional)",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Enter an email address, like name@example.com"},
    )


class ContactEditForm(VersionedForm, ContactForm):
    pass


class ContactRemoveForm(GovForm):
    """Removing needs only the version: a contact changed since the page was opened is shown
    again rather than removed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
