"""How the API picks its format, apart from yourchoice/api/viewsets.py: DRF imports this while
its own views module loads, so it can import nothing that needs those views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation

if TYPE_CHECKING:
    from rest_framework.renderers import BaseRenderer
    from rest_framework.request import Request


class AlwaysJSON(DefaultContentNegotiation):
    """The API answers in its own format whatever the client asks for: a browser's
    `Accept: text/html` gets JSON (or the schema's YAML), never a browsable HTML rendering of
    records and never a 406."""

    def select_renderer(  # type: ignore[override]  # DRF passes a list; its stubs say Iterable
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type
