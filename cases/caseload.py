"""Sorting and filtering a list of cases (the caseload and the authority's list).

Rows are already fetched in a fixed number of queries, and lists are small (a coach holds tens
of cases), so this works on the rows in Python: it never changes the query count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cases.selectors import CaseRow

SORTS: dict[str, tuple[str, Callable[[CaseRow], Any]]] = {
    "name": (
        "Young person",
        lambda r: (r.young_person.family_name.lower(), r.young_person.given_name.lower()),
    ),
    # Never-seen cases sort before any contact, as the longest without one.
    "last-contact": (
        "Last contact",
        lambda r: r.last_contact.timestamp() if r.last_contact else 0.0,
    ),
    "this-week": ("Sessions this week", lambda r: r.sessions_this_week),
    "weeks": ("Weeks active", lambda r: r.weeks_active),
    "flags": ("Open flags", lambda r: r.open_flags),
}

FILTERS: dict[str, tuple[str, Callable[[CaseRow], bool]]] = {
    "all": ("All cases", lambda r: True),
    "attention": ("Needing attention", lambda r: bool(r.attention)),
    "no-contact": ("No contact for 14 days", lambda r: r.no_contact),
    "flags": ("Open flags", lambda r: r.open_flags > 0),
    "measures": ("Measures due or overdue", lambda r: bool(r.measures_due)),
    "below-target": ("Fewer than 3 sessions this week", lambda r: r.sessions_this_week < 3),
}


@dataclass(frozen=True)
class ListView:
    rows: list[CaseRow]
    total: int
    sort: str
    descending: bool
    show: str


def arrange(rows: list[CaseRow], params: dict[str, str]) -> ListView:
    sort = params.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    show = params.get("show", "all")
    show = show if show in FILTERS else "all"
    descending = params.get("dir") == "desc"
    keep = FILTERS[show][1]
    chosen = [r for r in rows if keep(r)]
    chosen.sort(key=SORTS[sort][1], reverse=descending)
    return ListView(rows=chosen, total=len(rows), sort=sort, descending=descending, show=show)
