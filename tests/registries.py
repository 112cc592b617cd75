"""Django's model registry as data, for tests that must cover every model of a kind.

A model added later is covered without anyone remembering to list it here.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models

#: Models the old hand-kept lists named: the derivation below must still find them all, so
#: a change that broke it (a renamed manager method, say) cannot empty the list unnoticed.
KNOWN_CASE_MODELS = {
    "cases.YoungPerson",
    "cases.KeyContact",
    "cases.Episode",
    "cases.RiskFlag",
    "coaching.SessionLog",
    "supervision.SupervisionRecord",
    "outcomes.Goal",
    "outcomes.MeasureResponse",
}


def scoped(model: type[models.Model]) -> bool:
    """Read through the one visibility rule: its manager offers `visible_to`."""
    return hasattr(model._default_manager, "visible_to")


def case_data_models() -> list[type[models.Model]]:
    """Every model that holds case data: those read through the visibility rule, and those
    that point (by a foreign key, however many steps away) at one of them."""
    every = apps.get_models()
    found = {model for model in every if scoped(model)}
    grew = True
    while grew:
        grew = False
        for model in every:
            if model in found:
                continue
            if any(
                field.many_to_one or field.one_to_one
                for field in model._meta.fields
                if field.is_relation and field.related_model in found
            ):
                found.add(model)
                grew = True
    labels = {model._meta.label for model in found}
    assert labels >= KNOWN_CASE_MODELS, f"Case models not found: {KNOWN_CASE_MODELS - labels}"
    return sorted(found, key=lambda model: model._meta.label)


def admin_changelists() -> list[str]:
    """The URL name of every model's list in the admin site, from its registry."""
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    )
