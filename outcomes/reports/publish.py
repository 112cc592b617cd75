"""From indicators to published figures: disclosure control first, then nothing else sees raw
counts. Every file is written from the rows this module returns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from outcomes.reports import disclosure, rounding
from outcomes.reports.indicators import COUNT, Figure


@dataclass(frozen=True)
class Published:
    section: str
    indicator: str
    breakdown: str
    value: float | int | str | None  # "c" when suppressed
    suppressed: bool
    unit: str
    definition: str

    def as_dict(self) -> dict[str, object]:
        # Written out rather than dataclasses.asdict, which copies each field through a deep
        # copy: London's check turns thirty-odd reports' rows into dicts, 10,000 at a time.
        return {
            "section": self.section,
            "indicator": self.indicator,
            "breakdown": self.breakdown,
            "value": self.value,
            "suppressed": self.suppressed,
            "unit": self.unit,
            "definition": self.definition,
        }


def publish(figures: list[Figure], threshold: int) -> tuple[list[Published], int]:
    """Apply primary and secondary suppression; return the rows and the cells suppressed.

    A percentage is suppressed when its base is below the threshold, and when its numerator is
    a count of 1 to threshold-1 (a percentage and its base give the count back).

    Counts with breakdowns form one-way tables per dimension, with the indicator's "All" row as
    their published total, so a hidden category cannot be worked out by subtraction.
    """
    hidden: set[tuple[str, str]] = set()
    by_indicator: dict[str, list[Figure]] = {}
    for f in figures:
        if f.kind == COUNT:
            by_indicator.setdefault(f.indicator, []).append(f)
    for indicator, rows in by_indicator.items():
        total = next((f for f in rows if f.breakdown == "All"), None)
        dimensions: dict[str, list[Figure]] = {}
        for f in rows:
            if f.breakdown != "All":
                dimensions.setdefault(f.breakdown.split(":")[0], []).append(f)
        if total is not None and disclosure.count_is_disclosive(total.value, threshold):  # type: ignore[arg-type]  # a count: int
            hidden.add((indicator, "All"))
        for members in dimensions.values():
            table = disclosure.Table(
                cells={(f.breakdown, "n"): int(f.value or 0) for f in members},
                row_totals={},
                column_totals={"n": int(total.value or 0)} if total is not None else {},
            )
            disclosure.suppress(table, threshold)
            hidden |= {(indicator, key[0]) for key in table.suppressed}  # type: ignore[misc]  # str keys
            if ("column", "n") in table.suppressed_totals:
                hidden.add((indicator, "All"))
    published = []
    for f in figures:
        if f.kind == COUNT:
            suppressed = (f.indicator, f.breakdown) in hidden
        else:
            suppressed = (
                f.base is not None and disclosure.statistic_is_disclosive(f.base, threshold)
            ) or disclosure.count_is_disclosive(f.numerator, threshold)
        published.append(
            Published(
                section=f.section,
                indicator=f.indicator,
                breakdown=f.breakdown,
                value=disclosure.SUPPRESSED if suppressed else _plain(f.value, f.places),
                suppressed=suppressed,
                unit=f.unit,
                definition=f.definition,
            )
        )
    return published, sum(1 for p in published if p.suppressed)


def _plain(value: Any, places: int) -> float | int | None:
    """The exact value rounded by the report's one rule (outcomes/reports/rounding.py)."""
    if value is None:
        return None
    rounded = rounding.round_half_away(rounding.exact(value), places)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def hide(rows: list[Published], cells: set[tuple[str, str]]) -> list[Published]:
    """The rows with `cells` (indicator, breakdown) hidden too: what the disclosure check
    (outcomes/reports/linked.py) found must be hidden beyond the rules above."""
    return [
        replace(r, value=disclosure.SUPPRESSED, suppressed=True)
        if (r.indicator, r.breakdown) in cells
        else r
        for r in rows
    ]
