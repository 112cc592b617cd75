"""The form for asking for break-glass access."""

from __future__ import annotations

from django import forms

from yourchoice.web.forms import GovForm


class BreakGlassForm(GovForm):
    reference = forms.CharField(
        label="The young person's reference",
        help_text="Exactly as the borough holding their record gave it to you, for example "
        "YC-E09000012-000123.",
        max_length=30,
        error_messages={"required": "Enter the young person's reference."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label="Why you need their record now",
        help_text="This is kept with the access, and the borough lead who holds the record "
        "reads it.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why you need this young person's record now."},
    )
