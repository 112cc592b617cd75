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


def form_page(
    request: Any,
    form: forms.Form,
    template: str,
    context: dict[str, Any],
    *,
    save: Any,
    done: Any,
) -> Any:
    """The shape every write page shares: on a valid POST call `save(cleaned_data)` (a service
    call); a DomainError goes back onto the form as plain-English errors; success goes to
    `done(result)`, which returns the redirect. Errors answer 400 and keep what was typed."""
    from django.shortcuts import render

    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)  # type: ignore[attr-defined]
        else:
            return done(result)
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def back_to_case(request: Any, message: str, young_person_id: int) -> Any:
    """After a successful write about a case: say so, and go back to the young person's page."""
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.success(request, message)
    return redirect("cases:young-person", pk=young_person_id)
