"""Form helpers shared by every app: GOV.UK rendering through crispy-forms-gds."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.web import unavailable


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
        for field, texts in error.errors.items():
            target = field if field and field in self.fields else None  # type: ignore[attr-defined]  # mixed into a Django form
            for message in texts:
                self.add_error(target, message)  # type: ignore[attr-defined]  # mixed into a Django form


class GovForm(GovFormMixin, forms.Form):
    pass


def date_field(label: str, required_message: str = "", **kwargs: Any) -> forms.DateField:
    """A GOV.UK date input (the browser's date picker, ISO values), with plain messages.
    Without `required_message` the date may be left out."""
    return forms.DateField(
        label=label,
        required=bool(required_message),
        widget=forms.DateInput(
            attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"
        ),
        error_messages={"required": required_message, "invalid": "Enter a real date"},
        **kwargs,
    )


def form_page(
    request: Any,
    form: forms.Form,
    template: str,
    context: dict[str, Any],
    *,
    save: Any,
    done: Any,
    refused: Any = None,
    gone: str = "",
) -> Any:
    """The one path every write page takes: on a valid POST call `save(cleaned_data)` (a service
    call); a DomainError goes back onto the form as plain-English errors; success goes to
    `done(result)`, which returns the redirect. Errors answer 400 and keep what was typed.

    A save refused because someone else changed the record first (StaleVersion) answers 409,
    keeping what was typed and, on a versioned form, showing what the other person changed.
    If the database goes mid-save the form comes back with what was typed (503).

    `refused(error)`, when given, sees a DomainError or StaleVersion before the form shows it:
    to name the form field a service's error belongs to, to read the changed record again (put
    it on `error.current`, or into `context`, which is drawn afterwards), or to return the form
    to show instead (one that asks a further question). `gone` is for a record someone else
    removed after the page was opened: a POST answers 409 with that message, keeping what was
    typed and saving nothing. A page with two forms passes the one that was sent."""

    status = 200
    if request.method == "POST" and gone:
        form.is_valid()  # show the fields as typed, with their own errors too
        form.add_error(None, gone)
        status = 409
    elif request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except DomainError as error:
            form = (refused(error) if refused is not None else None) or form
            show_conflict = getattr(form, "show_conflict", None)
            if isinstance(error, StaleVersion):
                if show_conflict is not None:
                    show_conflict(error)
                else:
                    form.add_domain_error(error)  # type: ignore[union-attr]  # pages pass GovForms
                status = 409
            else:
                form.add_domain_error(error)  # type: ignore[union-attr]  # pages pass GovForms
        except unavailable.DATABASE_ERRORS:
            unavailable.keep_on_form(request, form)  # the database went: 503, input kept
            status = 503
        else:
            return done(result)
    if status == 200 and form.errors:
        status = 400
    return render(request, template, {"form": form, **context}, status=status)


def back_to_case(request: Any, message: str, young_person_id: int) -> Any:
    """After a successful write about a case: say so, and go back to the young person's page."""

    messages.success(request, message)
    return redirect("cases:young-person", pk=young_person_id)
