from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Authority
from casework.imports.reading import MAX_BYTES
from yourchoice.web.forms import GovForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """One Excel workbook, or the template's CSV files together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] if data else single(None, initial)
        return [single(data, initial)]


class UploadForm(GovForm):
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        label="Into which authority?",
        empty_label=None,
        error_messages={
            "required": "Choose the authority",
            "invalid_choice": "Choose the authority",
        },
    )
    upload = FilesField(
        label="Upload the filled-in template",
        help_text=f"The Excel workbook (.xlsx), or its CSV files together. At most "
        f"{MAX_BYTES // 1024 // 1024} MB.",
        error_messages={"required": "Choose the file to import", "empty": "The file is empty"},
    )

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.queryset = authorities  # type: ignore[attr-defined]  # a ModelChoiceField
        led = list(authorities)
        if len(led) == 1:
            # One authority led (the usual case): nothing to ask.
            field.initial = led[0].pk
            field.widget = forms.HiddenInput()


class ConfirmForm(GovForm):
    """For each possible duplicate: is it a young person already recorded, and which?"""

    def __init__(self, *args: Any, duplicates: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duplicates = duplicates
        for n, duplicate in enumerate(duplicates):
            choices = [
                (
                    str(c["id"]),
                    f"Yes: the same young person as {c['reference']} ({c['name']}, born "
                    f"{c['born']})",
                )
                for c in duplicate["candidates"]
            ]
            choices.append(("0", "No: a different young person, to be recorded as new"))
            self.fields[f"duplicate_{n}"] = forms.ChoiceField(
                label=f"Is {duplicate['name']} (Young people, row {duplicate['row']}, born "
                f"{duplicate['born']}) someone already recorded?",
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Say whether {duplicate['name']} (row {duplicate['row']}) is "
                    "someone already recorded"
                },
            )

    def decisions(self) -> dict[str, int]:
        return {
            d["old_id"]: int(self.cleaned_data[f"duplicate_{n}"])
            for n, d in enumerate(self.duplicates)
            if self.cleaned_data.get(f"duplicate_{n}") is not None
        }
