from __future__ import annotations

from django import forms

from yourchoice.web.forms import GovForm, date_field


class ExtendForm(GovForm):
    keep_until = date_field("Keep the record until", "Enter the date to keep the record until")
    reason = forms.CharField(
        label="Why should it be kept for longer?",
        help_text="For example, a court case or an inquiry that needs it. The reason stays with "
        "the record.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": "Say why the record should be kept for longer"},
    )


class AnonymiseForm(GovForm):
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone",
        error_messages={"required": "Confirm that you understand this cannot be undone"},
    )
