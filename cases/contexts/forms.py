"""Forms for contexts: link a young person to one, record a new one, end a link (C10)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Authority
from cases.contexts.models import Context, ContextKind
from yourchoice.web.forms import GovForm, date_field


class _LinkFields(GovForm):
    reason = forms.CharField(
        label="Why are they linked to it?",
        help_text="What is known and how. Do not name other young people.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Say why the young person is linked to this context"},
    )
    known_from = date_field("Linked since", "Enter the date the link was first known")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("known_from", timezone.localdate())
        super().__init__(*args, **kwargs)


class ContextLinkForm(_LinkFields):
    """Link to a context the person already sees."""

    context = forms.TypedChoiceField(
        label="Which context?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a context", "invalid_choice": "Choose a context"},
    )

    field_order = ["context", "reason", "known_from"]

    def __init__(self, *args: Any, contexts: list[Context], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices are the contexts the selector found for this person: an id sent that is
        # not among them is refused like any other wrong choice.
        self.contexts = {c.pk: c for c in contexts}
        field = self.fields["context"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.pk, f"{c.name} ({c.get_kind_display().lower()})") for c in contexts]

    def clean_context(self) -> Context:
        return self.contexts[self.cleaned_data["context"]]


class ContextNewForm(_LinkFields):
    """Record a new context, and link the young person to it."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="What kind of context is it?",
        choices=ContextKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of context it is"},
    )
    name = forms.CharField(
        label="Name",
        help_text="What people who work there call it: for example, Northwold Estate, or the "
        "group at the Kingsland bus station.",
        max_length=150,
        error_messages={"required": "Give the context a name"},
    )
    description = forms.CharField(
        label="What is known about it (optional)",
        help_text="Where it is, what happens there. Do not name young people.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    authorities = forms.ModelMultipleChoiceField(
        label="Other authorities it spans (optional)",
        help_text="The young person's own authority is always included.",
        queryset=Authority.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["idempotency_key", "kind", "name", "description", "authorities", "reason"]

    def __init__(self, *args: Any, exclude_authority_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        field = self.fields["authorities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Authority.objects.filter(active=True).exclude(pk=exclude_authority_id)


class ContextLinkEndForm(GovForm):
    ended_on = date_field("When did the link end?", "Enter the date the link ended")
    end_reason = forms.CharField(
        label="Why has it ended?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the link has ended"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)
