"""Form helpers shared by every app: GOV.UK rendering through crispy-forms-gds."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms

from yourchoice.errors import DomainError


class GovFormMixin:
    """Renders with the GOV.UK Design System; the page template owns <form> and the button."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No layout: crispy then renders every field in the form's order, including fields a
        # form adds after this (the session form adds one per live goal).
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.label_size = "s"
        self.helper.legend_size = "s"

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's plain-English errors against the fields they name."""
        for field, messages in error.errors.items():
            target = field if field and field in self.fields else None  # type: ignore[attr-defined]
            for message in messages:
                self.add_error(target, message)  # type: ignore[attr-defined]


class GovForm(GovFormMixin, forms.Form):
    pass
