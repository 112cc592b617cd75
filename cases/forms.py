from __future__ import annotations

from django import forms

from yourchoice.forms import GovForm


class ClosureDecisionForm(GovForm):
    decision = forms.ChoiceField(
        label="Do you approve closing this case?",
        choices=[("approve", "Yes, close the case"), ("return", "No, return it to the coach")],
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

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("decision") == "return" and not data.get("comment", "").strip():
            self.add_error(
                "comment", "Say why the request is returned, so the coach knows what to do"
            )
        return data
