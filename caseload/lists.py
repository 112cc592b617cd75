"""Sorting, filtering and paging a list of cases (the caseload and the authority's list).

A coach's caseload is small (tens of cases): its rows are built in a fixed number of queries
and sorted and filtered here in Python. An authority's list grows with the borough, so it is
paged: where the sort and the filter can be said in SQL (the usual case) only one page of rows
is ever built, and the page costs the same at any scale. Filters on signals worked out in
Python (needing attention, measures due, no contact) build every row, then page them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from caseload.rows import BY_NAME, CaseRow, annotated_cases, case_rows, rows_for
from cases.models import Episode
from cases.programme import TARGET_SESSIONS_PER_WEEK

#: Rows on one page of an authority's list: a few screens of cards on a phone.
PAGE_SIZE = 25

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
    "below-target": (
        f"Fewer than {TARGET_SESSIONS_PER_WEEK} sessions this week",
        lambda r: r.below_target,
    ),
}

#: The sort menu above the cards, where the table's column headings are not shown: each sort
#: in each direction, in words ("sort:dir" is what the menu sends, as `order`).
ORDERS: dict[str, str] = {
    "name:asc": "Young person, A to Z",
    "name:desc": "Young person, Z to A",
    "last-contact:asc": "Last contact, longest ago first",
    "last-contact:desc": "Last contact, most recent first",
    "this-week:asc": "Sessions this week, fewest first",
    "this-week:desc": "Sessions this week, most first",
    "weeks:asc": "Weeks active, fewest first",
    "weeks:desc": "Weeks active, most first",
    "flags:asc": "Open flags, fewest first",
    "flags:desc": "Open flags, most first",
}

#: The same sorts and filters in SQL, on `annotated_cases`, where they can be said
#: there. Ties fall back to the young person's name, as Python's stable sort of rows in name
#: order does.
SQL_SORT_KEYS = {
    "last-contact": "last_contact_at",
    "this-week": "this_week",
    "flags": "open_flag_count",
}
SQL_FILTERS = {
    "all": Q(),
    "flags": Q(open_flag_count__gt=0),
    "below-target": Q(this_week__lt=TARGET_SESSIONS_PER_WEEK),
}


@dataclass(frozen=True)
class ListView:
    rows: list[CaseRow]
    total: int  # every case in the list
    matched: int  # the cases the filter keeps
    sort: str
    descending: bool
    show: str
    page: Page | None = None  # for a paged list

    @property
    def order(self) -> str:
        """The sort and its direction as the sort menu names them."""
        return f"{self.sort}:{'desc' if self.descending else 'asc'}"

    @property
    def counts(self) -> str:
        """What a list's caption adds to its title: how many the filter kept, and the page."""
        text = f": {self.matched} of {self.total}" if self.show != "all" else ""
        if self.page is not None and self.page.has_other_pages():
            text += f" (page {self.page.number} of {self.page.paginator.num_pages})"
        return text

    @property
    def page_query(self) -> str:
        """The sort and filter, for links to other pages."""
        direction = "desc" if self.descending else "asc"
        return urlencode({"sort": self.sort, "dir": direction, "show": self.show}) + "&"


def _choices(params: Any) -> tuple[str, bool, str]:
    sort, direction = params.get("sort", "name"), params.get("dir")
    if params.get("order") in ORDERS:  # the sort menu, which says both at once
        sort, direction = params["order"].split(":")
    show = params.get("show", "all")
    return (
        sort if sort in SORTS else "name",
        direction == "desc",
        show if show in FILTERS else "all",
    )


def _sorted(rows: list[CaseRow], sort: str, descending: bool, show: str) -> list[CaseRow]:
    keep = FILTERS[show][1]
    chosen = [r for r in rows if keep(r)]
    chosen.sort(key=SORTS[sort][1], reverse=descending)
    return chosen


def arrange(rows: list[CaseRow], params: Any) -> ListView:
    """A whole list, sorted and filtered."""
    sort, descending, show = _choices(params)
    chosen = _sorted(rows, sort, descending, show)
    return ListView(chosen, len(rows), len(chosen), sort, descending, show)


def _sql_order(sort: str, descending: bool) -> tuple[Any, ...]:
    family, given, _ = BY_NAME
    if sort == "name":
        return (family.desc(), given.desc(), "pk") if descending else BY_NAME
    key = F(SQL_SORT_KEYS[sort])
    return (key.desc(nulls_last=True) if descending else key.asc(nulls_first=True), *BY_NAME)


def page_of_cases(episodes: QuerySet[Episode], params: Any) -> ListView:
    """One page of a long list of cases (`episodes`, a queryset), sorted and filtered."""
    sort, descending, show = _choices(params)
    today = timezone.localdate()
    total = episodes.count()
    order = _sql_order(sort, descending) if sort == "name" or sort in SQL_SORT_KEYS else None
    paginator: Paginator[Any]
    page: Page[Any]
    if show == "all" and sort == "name":
        # The usual view: page through the ids in name order, then work out only those rows.
        assert order is not None  # set for a sort by name
        paginator = Paginator(episodes.order_by(*order).values_list("pk", flat=True), PAGE_SIZE)
        paginator.count = total  # known already: no second count
        page = paginator.get_page(params.get("page"))
        on_page = episodes.filter(pk__in=list(page.object_list))
        found = annotated_cases(on_page, today).order_by(*order)
        rows = rows_for(list(found), today)
    elif show in SQL_FILTERS and order is not None:
        ordered = annotated_cases(episodes, today).filter(SQL_FILTERS[show]).order_by(*order)
        paginator = Paginator(ordered, PAGE_SIZE)
        if show == "all":
            paginator.count = total
        page = paginator.get_page(params.get("page"))
        rows = rows_for(list(page.object_list), today)
    else:
        chosen = _sorted(case_rows(episodes, today), sort, descending, show)
        page = Paginator(chosen, PAGE_SIZE).get_page(params.get("page"))
        rows = list(page.object_list)
    return ListView(rows, total, page.paginator.count, sort, descending, show, page)
