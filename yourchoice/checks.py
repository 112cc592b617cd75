"""System checks that guard the service's invariants at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.checks import Error, register

if TYPE_CHECKING:
    from django.apps import AppConfig


@register()
def disclosure_threshold_sane(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[Error]:
    if settings.DISCLOSURE_THRESHOLD < 2:
        return [
            Error(
                "DISCLOSURE_THRESHOLD below 2 would publish single children.", id="yourchoice.E001"
            )
        ]
    return []
