"""The API's JSON parser, bounded in depth (settings.REST_FRAMEWORK names it for every view).

Its own module, because DRF imports the parser setting while it builds APIView: a module that
imports DRF's views (yourchoice.api.viewsets) cannot be named there.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers

#: How deeply a JSON body may nest. Our deepest body is an object holding an object of scores
#: (two levels); 32 leaves room for any honest client, and keeps a body built to exhaust the
#: stack (a thousand nested lists) away from the serializers.
MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """How many objects and arrays deep a parsed JSON value goes, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break  # already too deep: no need to walk the rest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(parsers.JSONParser):
    """JSON bodies for every API request, refused with a plain 400 when nested too deeply (or
    so deeply that the decoder itself gives up) or not JSON at all: never a server error,
    never a Python error message."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        too_deep = exceptions.ParseError(
            f"The body is nested too deeply: at most {MAX_JSON_DEPTH} levels of objects and arrays."
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        except exceptions.ParseError:
            raise exceptions.ParseError("The body is not valid JSON.") from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data
