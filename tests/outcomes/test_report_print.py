"""The printable report on paper: a row is never split across pages (its value on one, its
label on the next), each table's header repeats on every page it runs onto, and a chart stays
on one page with its caption."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from weasyprint import HTML

from outcomes.reports import files, indicators
from outcomes.reports.publish import Published

DEFINITION = (
    "A definition long enough to take several lines in its narrow column, as the definitions "
    "of the report's figures do, so that a page can end part way through a row. "
)


def long_report() -> list[Published]:
    """Several pages of rows whose heights vary, and every chart the report draws."""
    rows = []

    def add(section, indicator, breakdown, value, unit="", lines=1):
        rows.append(
            Published(section, indicator, breakdown, value, False, unit, DEFINITION * lines)
        )

    for name in ("attended", "not attended", "cancelled by the young person"):
        add(indicators.SECTION_SESSIONS, f"Sessions {name}", "All", 120, indicators.SESSIONS)
    for dimension, total in ((indicators.AGE, 40), (indicators.ENDING_REASON, 30)):
        for _, label in dimension.expected:
            indicator = (
                indicators.REFERRALS_RECEIVED
                if dimension is indicators.AGE
                else indicators.EPISODES_CLOSED
            )
            add(indicators.SECTION_EPISODES, indicator, f"{dimension.label}: {label}", total)
    for n in range(150):
        add(
            indicators.SECTION_EPISODES if n < 100 else indicators.SECTION_GOALS,
            f"Figure {n}",
            f"Breakdown: category {n}",
            n,
            indicators.EPISODES,
            lines=1 + n % 4,
        )
    return rows


@dataclass
class Printed:
    pages: list[list[Any]]  # each page's boxes
    parent: dict[Any, Any]  # each element of the page's tree, to its parent

    def where(self, tag: str) -> dict[Any, set[int]]:
        """For each element of `tag`, the pages its boxes are on."""
        on: dict[Any, set[int]] = defaultdict(set)
        for number, boxes in enumerate(self.pages):
            for box in boxes:
                if getattr(box, "element_tag", None) == tag:
                    on[box.element].add(number)
        return on

    def rows(self, group: str) -> dict[Any, set[int]]:
        """Rows of each table's `group` (thead or tbody), with their pages."""
        return {row: on for row, on in self.where("tr").items() if self.parent[row].tag == group}

    def table_of(self, row: Any) -> Any:
        return self.parent[self.parent[row]]


@pytest.fixture(scope="module")
def printed() -> Printed:
    html = files.html_document(long_report(), {"Scope": "Hackney", "Threshold": "10"})
    document = HTML(string=html).render()
    pages = [list(page._page_box.descendants()) for page in document.pages]
    root = next(box.element for box in pages[0] if getattr(box, "element_tag", None) == "html")
    return Printed(pages, {child: node for node in root.iter() for child in node})


def test_the_report_runs_over_several_pages(printed):
    assert len(printed.pages) >= 4


def test_no_row_is_split_across_pages(printed):
    rows = printed.rows("tbody")
    assert len(rows) > 150
    split = [
        " | ".join("".join(cell.itertext()).strip()[:30] for cell in row)
        for row, on in rows.items()
        if len(on) > 1
    ]
    assert split == []


def test_a_tables_header_repeats_on_every_page_it_runs_onto(printed):
    body: dict[Any, set[int]] = defaultdict(set)
    for row, on in printed.rows("tbody").items():
        body[printed.table_of(row)] |= on
    head = {printed.table_of(row): on for row, on in printed.rows("thead").items()}
    spanning = [table for table, on in body.items() if len(on) > 1]
    assert spanning, "some table runs over more than one page"
    for table in spanning:
        assert body[table] <= head[table]


def test_each_chart_stays_on_one_page_with_its_caption(printed):
    charts = printed.where("figure")
    assert len(charts) == 3  # sessions, age at referral, ending reason
    captions = printed.where("figcaption")
    drawings = printed.where("{http://www.w3.org/2000/svg}svg")
    for figure, on in charts.items():
        assert len(on) == 1
        (caption,) = [c for c in captions if printed.parent[c] is figure]
        (drawing,) = [d for d in drawings if printed.parent[d] is figure]
        assert captions[caption] == drawings[drawing] == on
