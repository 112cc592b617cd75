"""System checks that guard the service's invariants at start-up."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def tripwire_off_in_production(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    problems = []
    if not settings.DEBUG and settings.CASE_DATA_TRIPWIRE:
        problems.append(
            Warning(
                "CASE_DATA_TRIPWIRE is on in production: it inspects the stack on every "
                "case query.",
                id="yourchoice.W001",
            )
        )
    return problems


@register()
def disclosure_threshold_sane(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    if settings.DISCLOSURE_THRESHOLD < 2:
        return [
            Error(
                "DISCLOSURE_THRESHOLD below 2 would publish single children.", id="yourchoice.E001"
            )
        ]
    return []
