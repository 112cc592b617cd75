"""The subject access export as files: JSON for systems, and a printable PDF for the young
person, both from the same data so they always agree. Named by reference, never by name."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

FORMATS = {"json": "application/json", "pdf": "application/pdf"}


def file_name(reference: str, fmt: str) -> str:
    return f"subject-access-{reference}.{fmt}"


def json_bytes(record: dict[str, Any]) -> bytes:
    return json.dumps(record, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _plain(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "None recorded"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "None recorded"
    return str(value)


#: What one entry of each list is called in the printable page ("Session 2 of 14").
ITEM_NAMES = {
    "key_contacts": "Key contact",
    "retention_decisions": "Decision",
    "contexts": "Context",
    "cases": "Case",
    "status_history": "Change",
    "allocations": "Allocation",
    "sessions": "Session",
    "additions_to_notes": "Addition",
    "goals": "Goal",
    "ratings_out_of_10": "Rating",
    "questionnaires": "Questionnaire",
    "flags": "Flag",
    "closure_requests": "Request",
    "activity_spending": "Spending",
    "supervision_discussions": "Discussion",
    "actions": "Action",
}


def _table(rows: list[tuple[str, Any]]) -> SafeString:
    return format_html(
        "<table>{}</table>",
        format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((_label(k), _plain(v)) for k, v in rows),
        ),
    )


def _html(data: dict[str, Any], level: int) -> SafeString:
    """Every field of the record, in order: plain values as tables, lists of records as
    numbered sub-sections. Everything is escaped."""
    heading = f"h{min(level, 6)}"
    parts: list[SafeString] = []
    plain: list[tuple[str, Any]] = []
    for key, value in data.items():
        if not (isinstance(value, dict) and value) and not _is_records(value):
            plain.append((key, value))
            continue
        if plain:
            parts.append(_table(plain))
            plain = []
        if isinstance(value, dict):
            parts.append(
                format_html("<{0}>{1}</{0}>{2}", heading, _label(key), _html(value, level + 1))
            )
            continue
        parts.append(format_html("<{0}>{1} ({2})</{0}>", heading, _label(key), len(value)))
        name = ITEM_NAMES.get(key, _label(key))
        for number, item in enumerate(value, start=1):
            parts.append(
                format_html(
                    '<section class="item"><p class="item-title">{} {} of {}</p>{}</section>',
                    name,
                    number,
                    len(value),
                    _html(item, level + 1),
                )
            )
    if plain:
        parts.append(_table(plain))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is built with format_html


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def html_document(record: dict[str, Any]) -> str:
    return render_to_string(
        "cases/subject_access_document.html",
        {"about": record["about_this_export"], "body": _html(record, 2)},
    )


def pdf_bytes(record: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: it loads native libraries

    return HTML(string=html_document(record)).write_pdf()
