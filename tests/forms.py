"""Read a rendered page's form as a browser would submit it, hidden fields included.

Tests of refused stale saves need exactly what the page carried (the version it was loaded with,
its signed snapshot, what it kept of the person's input), not what the test thinks it carried.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self, index: int) -> None:
        super().__init__(convert_charrefs=True)
        self.index = index
        self.seen = -1
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        # The header's sign-out button and search box are forms too: never the page's own.
        header = "data-sign-out" in a or a.get("role") == "search"
        if tag == "form" and a.get("method", "").lower() == "post" and not header:
            self.seen += 1
            self.inside = self.seen == self.index
            return
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select, self._first_option, self._chosen = a["name"], None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._add(self._select, a.get("value", ""))
                self._chosen = True
        elif tag == "textarea":
            self._textarea = a["name"]
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            # With nothing marked selected, a browser sends the first option.
            if not self._chosen and self._first_option is not None:
                self._add(self._select, self._first_option)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop one newline straight after <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def submitted(html: str | bytes, index: int = 0) -> dict[str, Any]:
    """The fields the page's `index`-th POST form would send, without the CSRF token."""
    reader = _FormReader(index)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    reader.fields.pop("csrfmiddlewaretoken", None)
    return {k: v[0] if len(v) == 1 else v for k, v in reader.fields.items()}
