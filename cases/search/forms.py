"""The search box: one field, read into a Term (cases/search/terms.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.search.terms import MAX_LENGTH, Term, TermProblem, read_term
from yourchoice.web.forms import GovForm


class SearchForm(GovForm):
    q = forms.CharField(
        label="Find a young person",
        help_text="Name, reference or date of birth, for example 14/03/2012",
        max_length=MAX_LENGTH,
        strip=True,
        error_messages={
            "required": "Enter a name, reference or date of birth",
            "max_length": f"Search must be {MAX_LENGTH} characters or fewer",
        },
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_q(self) -> str:
        typed: str = self.cleaned_data["q"]
        try:
            self.term: Term = read_term(typed)
        except TermProblem as problem:
            raise forms.ValidationError(str(problem)) from problem
        return typed

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.label_size = "m"
