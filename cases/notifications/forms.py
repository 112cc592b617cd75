"""The form a person chooses their notification emails with."""

from __future__ import annotations

from django import forms

from cases.notifications.models import NotificationKind
from yourchoice.web.forms import GovForm


class EmailChoiceForm(GovForm):
    kinds = forms.MultipleChoiceField(
        label="Email me as well when",
        help_text="Emails name a young person by their reference only. Everything is also "
        "listed under Notifications whatever you choose.",
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose from the list."},
    )
