"""Template filters for GOV.UK components the template pack leaves to us."""

from __future__ import annotations

from crispy_forms_gds.layout import Size
from django import forms, template
from django.template.loader import render_to_string

register = template.Library()


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id an error summary links to: the first radio or checkbox of a group, the day box of
    a date, otherwise the field itself (Django gives groups no id of their own)."""
    widget = field.field.widget
    if isinstance(widget, forms.MultiWidget):
        names = getattr(widget, "widgets_names", None) or ["_0"]
        return f"{field.auto_id}{names[0]}"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        # The GOV.UK templates number a group's options from 1.
        return f"id_{field.html_name}_1"
    return field.id_for_label or field.auto_id


@register.simple_tag
def gov_field(field: forms.BoundField) -> str:
    """One field drawn as `{% crispy form %}` draws it (GovFormMixin's settings), for a page
    that places its fields itself: the session form groups when and where at the end."""
    return render_to_string(
        "gds/field.html",
        {
            "field": field,
            "form_show_errors": True,
            "form_show_labels": True,
            "error_text_inline": True,
            "help_text_inline": False,
            "label_size": Size.for_label(Size.SMALL),
            "legend_size": Size.for_legend(Size.SMALL),
        },
    )


@register.filter
def message_tag(extra_tags: str, name: str) -> str:
    """The value of a message's `name:value` tag ("" when it has none): what a success message
    tells the page's scripts (the draft to drop, the phone's waiting item that arrived)."""
    for tag in extra_tags.split():
        if tag.startswith(f"{name}:"):
            return tag[len(name) + 1 :]
    return ""
