"""System checks that guard the service's invariants at start-up."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def disclosure_threshold_sane(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    if settings.DISCLOSURE_THRESHOLD < 2:
        return [
            Error(
                "DISCLOSURE_THRESHOLD below 2 would publish single children.", id="yourchoice.E001"
            )
        ]
    return []
