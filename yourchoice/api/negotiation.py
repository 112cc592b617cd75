"""How the API picks its format, apart from yourchoice/api/viewsets.py: DRF imports this while
its own views module loads, so it can import nothing that needs those views."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class AlwaysJSON(DefaultContentNegotiation):
    """The API answers in its own format whatever the client asks for: a browser's
    `Accept: text/html` gets JSON (or the schema's YAML), never a browsable HTML rendering of
    records and never a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):  # type: ignore[no-untyped-def]
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type
