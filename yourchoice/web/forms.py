"""Form helpers shared by every app: GOV.UK rendering through crispy-forms-gds."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Size
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.contrib import messages
from django.forms.widgets import Script
from django.shortcuts import redirect, render

from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.web import offline, unavailable


class GovFormMixin:
    """Renders with the GOV.UK Design System; the page template owns <form> and the button."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No layout: crispy then renders every field in the form's order, including fields a
        # form adds after this (the session form adds one per live goal).
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # Without a layout crispy-forms-gds prints these as they are: the classes themselves,
        # so every question is bold ("govuk-label--s"), not a stray "s".
        self.helper.label_size = Size.for_label(Size.SMALL)
        self.helper.legend_size = Size.for_legend(Size.SMALL)
        # The scripts a form's widgets need load once, at the foot of the page
        # (templates/_form_page.html), not inside the form.
        self.helper.include_media = False

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's plain-English errors against the fields they name."""
        for field, texts in error.errors.items():
            target = field if field and field in self.fields else None  # type: ignore[attr-defined]  # mixed into a Django form
            for message in texts:
                self.add_error(target, message)  # type: ignore[attr-defined]  # mixed into a Django form


class GovForm(GovFormMixin, forms.Form):
    pass


class ScaleSelect(forms.RadioSelect):
    """A 0 to 10 score as one tap: a row of numbered boxes, each a real radio button
    (templates/gds/layout/radios.html draws it). `last` marks last time's answer; `large`
    makes the boxes bigger (at least 48 px), for a young person answering on the coach's
    phone."""

    scale = True

    class Media:
        # The "Clear" button of each scale (static/js/scale.mjs): only pages with a scale load it.
        js = [Script("js/scale.mjs", type="module")]

    def __init__(
        self, *args: Any, last: int | None = None, large: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.last = last
        self.large = large


class ShortlistCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes with the first `shown` options on the page and the rest behind "More"
    (templates/gds/layout/checkboxes.html), for a list whose common choices come first."""

    def __init__(self, *args: Any, shown: int = 5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = shown


class GovDateInput(DateInputWidget):
    """The GOV.UK date input: day, month and year boxes, in that order whatever the phone's
    language (a browser's date picker follows the device, and shows US order on many).

    It also reads one ISO date sent under the field's own name, as a form kept on the phone
    and sent later, or a script, may send it. Either way the field gets "YYYY-MM-DD" (or
    what was typed, which the field then refuses as not a real date)."""

    def __init__(self) -> None:
        super().__init__()
        for box in self.widgets:
            box.attrs["inputmode"] = "numeric"
        # Boxes named field_day, field_month, field_year, as the GOV.UK pattern does.
        self.widgets_names = ["_day", "_month", "_year"]

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        # Boxes' ids follow their names (id_field_day), not Django's numbers (id_field_0): the
        # error summary links to the day box by that id (templatetags/govuk.py error_anchor).
        context = super().get_context(name, value, attrs)
        own = context["widget"]["attrs"].get("id")
        if own:
            for box, suffix in zip(
                context["widget"]["subwidgets"], self.widgets_names, strict=True
            ):
                box["attrs"]["id"] = f"{own}{suffix}"
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str | None:
        if data.get(name):
            return str(data[name])
        day, month, year = (
            str(data.get(f"{name}{suffix}", "") or "").strip() for suffix in self.widgets_names
        )
        if not (day or month or year):
            return None
        if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return f"{year}-{month}-{day}"  # not a date: the field says so

    def decompress(self, value: Any) -> tuple[Any, Any, Any]:
        if isinstance(value, str):  # what was typed, shown back as typed
            parts = value.split("-")
            if len(parts) == 3:
                year, month, day = parts
                return day, month, year
            return None, None, None
        return super().decompress(value)


class GovDateField(forms.DateField):
    """A date typed in GOV.UK date boxes (GovDateInput)."""

    @property
    def fields(self) -> tuple[SimpleNamespace, ...]:
        # The template pack draws a multi-box widget as it draws a MultiValueField, asking
        # each part for its own errors: none here, so an error marks all three boxes.
        return tuple(SimpleNamespace(widget=box) for box in self.widget.widgets)


def date_field(label: str, required_message: str = "", **kwargs: Any) -> forms.DateField:
    """A GOV.UK date input (day, month, year), with plain messages. Without
    `required_message` the date may be left out."""
    return GovDateField(
        label=label,
        required=bool(required_message),
        widget=GovDateInput(),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": required_message,
            "invalid": f"{label} must be a real date, like 27 3 2026",
        },
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
    typed and saving nothing. A page with two forms passes the one that was sent.

    A phone's outbox sending a form again (yourchoice/web/offline.py) goes through all of this
    the same way and gets the outcome as JSON instead of a page."""

    status = 200
    error: DomainError | None = None
    from_phone = offline.sending(request)
    if from_phone and offline.someone_else(request):
        return offline.not_yours_answer()
    if request.method == "POST" and gone:
        form.is_valid()  # show the fields as typed, with their own errors too
        form.add_error(None, gone)
        status = 409
    elif request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except DomainError as refusal:
            error = refusal
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
            response = done(result)
            return offline.saved_answer(request, response) if from_phone else response
    if status == 200 and form.errors:
        status = 400
    if from_phone:
        return offline.form_answer(request, form, status, error)
    return render(request, template, {"form": form, **context}, status=status)


def back_to_case(request: Any, message: str, young_person_id: int) -> Any:
    """After a successful write about a case: say so, and go back to the young person's page."""

    messages.success(request, message)
    return redirect("cases:young-person", pk=young_person_id)
