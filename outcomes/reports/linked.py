"""Everything published for a period, as the disclosure check's model (outcomes/reports/
audit.py): which figures are linked, and how (docs/disclosure.md, "The disclosure check").

A `Sheet` is one report's published figures: the new report's (with its true values) or a
report already published for the same period (from its stored results). The rows a reader
knows hold:

- **Tables.** Each breakdown of a count adds up to its "All" figure (every category is
  listed, zeros included).
- **Linked counts.** Eligible referrals are no more than referrals received, in total and in
  each category; a cohort's young people are no more than its episodes, and young people
  with an eligible referral no more than young people referred. The differences are counts
  too (ineligible referrals, second referrals), protected where they are 1 to threshold-1.
- **Percentages with their bases.** A published percentage, rounded to 0.1, of a base a
  reader can find in the report (episodes started for the baseline SDQ, episodes closed for
  the end SDQ, closed episodes that started for the dose: closed minus "no attended session",
  and so on) pins its numerator to a narrow range: the numerator and the rest of the base
  are protected where they are 1 to threshold-1.
- **London and its boroughs.** London's count of episodes (and a percentage's numerator and
  base) is the sum of its boroughs'; its young people are no more than theirs added up, and
  no fewer than any one borough's. A borough with no report for the period is an unknown.

Every hidden count (`c`) of every report for the period is protected; so are the counts the
new report's figures imply, and those earlier reports recorded as protected.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cases.programme import WEEKS_NO_SESSION, WEEKS_OF_WORK
from outcomes.reports import audit
from outcomes.reports.audit import Key, Model, Quantity, Row
from outcomes.reports.disclosure import SUPPRESSED, count_is_disclosive
from outcomes.reports.indicators import (
    COHORTS,
    COUNT,
    DOSE_LONG_ENOUGH,
    DOSE_MET,
    DOSE_WEEKLY,
    ELIGIBLE_REFERRALS,
    EPISODES,
    EPISODES_CLOSED,
    EPISODES_STARTED,
    GOAL_EPISODES,
    GOAL_IMPROVED_EPISODES,
    GOALS_FALLEN,
    GOALS_IMPROVED,
    GOALS_RATED,
    REFERRALS_RECEIVED,
    SDQ_BAND_LOWER,
    SDQ_BASELINE_RECORDED,
    SDQ_END_RECORDED,
    SDQ_PAIRS,
    WEEKS,
    YOUNG_PEOPLE,
    Figure,
)

LONDON = "london"
ALL = "All"
NUMERATOR = "#numerator"
DENOMINATOR = "#denominator"

Cell = tuple[str, str]  # (indicator, breakdown)
#: A report's counts by cell, and each percentage's numerator and base by indicator.
Counted = tuple[dict[Cell, int], dict[str, tuple[int, int]]]


@dataclass(frozen=True)
class Rate:
    """A percentage, its base as published figures (indicator, breakdown, coefficient), and
    figures its numerator is bounded by."""

    indicator: str
    base: tuple[tuple[str, str, int], ...]
    at_most: tuple[str, ...] = ()  # other rates' numerators at least this one's
    places: int = 1


_CLOSED_STARTED = (
    (EPISODES_CLOSED, ALL, 1),
    (EPISODES_CLOSED, f"{WEEKS.label}: {WEEKS_OF_WORK[WEEKS_NO_SESSION]}", -1),
)
RATES = [
    Rate(DOSE_WEEKLY, _CLOSED_STARTED),
    Rate(DOSE_LONG_ENOUGH, _CLOSED_STARTED),
    Rate(DOSE_MET, _CLOSED_STARTED, at_most=(DOSE_WEEKLY, DOSE_LONG_ENOUGH)),
    Rate(GOAL_IMPROVED_EPISODES, ((GOAL_EPISODES, ALL, 1),)),
    Rate(GOALS_IMPROVED, ((GOALS_RATED, ALL, 1),)),
    Rate(GOALS_FALLEN, ((GOALS_RATED, ALL, 1),)),
    Rate(SDQ_BAND_LOWER, ((SDQ_PAIRS, ALL, 1),)),
    Rate(SDQ_END_RECORDED, ((EPISODES_CLOSED, ALL, 1),)),
    Rate(SDQ_BASELINE_RECORDED, ((EPISODES_STARTED, ALL, 1),)),
]
RATE_NAMES = {r.indicator for r in RATES}
#: Counts of goals: published or hidden on their base, never protected themselves.
OTHER_COUNTS = {GOALS_RATED}
#: Pairs (smaller, larger) of counts in the same categories: the larger minus the smaller is a
#: count of its own (ineligible referrals).
NESTED = [(ELIGIBLE_REFERRALS, REFERRALS_RECEIVED)]
#: Pairs of totals (smaller, larger) whose difference is a count: young people against their
#: episodes, young people with an eligible referral against young people referred.
NESTED_TOTALS = [(c.young_people, c.episodes) for c in COHORTS] + [
    (COHORTS[1].young_people, COHORTS[0].young_people),
    (SDQ_PAIRS, EPISODES_CLOSED),
]


@dataclass
class Sheet:
    """One report's published figures for the period."""

    place: str  # LONDON, or the authority's id
    values: dict[Cell, object]  # published value: a number, None (nothing to divide), or "c"
    units: dict[Cell, str]
    true: dict[Cell, int] | None = None  # the new report's counts, before suppression
    rates: dict[str, tuple[int, int]] | None = None  # the new report's numerators and bases
    protected: list[tuple[str, list[tuple[str, str, int]]]] = field(default_factory=list)
    # A report not yet published that London's check plans for (with its true values, so the
    # counts it implies are protected); nothing in it is hidden by the check.
    planned: bool = False
    # A report already published, in London's check: the place's counts and rates now, from
    # the snapshot London's figures are made of. Only somewhere for the check to start from
    # (used where they are a whole-number solution of every row; a report made from older
    # data is not), never what a reader knows: that is `values`.
    now: Counted | None = None

    @property
    def start(self) -> Counted | None:
        """The counts and rates the check may start from: the true ones of a new or planned
        report, else a published one's figures now, if known."""
        return (self.true, self.rates or {}) if self.true is not None else self.now

    @property
    def new(self) -> bool:
        """Its true values are known: the counts it implies are worked out from them."""
        return self.true is not None

    @functools.cached_property
    def indicators(self) -> frozenset[str]:
        """The indicators the sheet has figures of (a category of one it lacks is zero)."""
        return frozenset(indicator for indicator, _ in self.values)

    def is_count(self, cell: Cell) -> bool:
        return self.units.get(cell) in (EPISODES, YOUNG_PEOPLE) or cell[0] in OTHER_COUNTS

    def hidden(self, cell: Cell) -> bool:
        return self.values.get(cell) == SUPPRESSED


def _key(place: str, cell: Cell) -> Key:
    return (place, cell[0], cell[1])


def _cell(key: Key) -> Cell:
    """The (indicator, breakdown) of a sheet's key."""
    parts: tuple[str, str, str] = key  # type: ignore[assignment]  # keys made by _key
    return (parts[1], parts[2])


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


@dataclass
class Built:
    model: Model
    implied: list[tuple[str, list[tuple[str, str, int]]]]  # the new sheet's protected extras


def build(
    sheets: list[Sheet],
    authorities: Iterable[str],
    threshold: int,
    pieces: list[_Piece] | None = None,
    london: tuple[list[Row], dict[Key, int]] | None = None,
) -> Built:
    """The model of everything published for the period (the new sheet as it stands).
    `pieces` (each sheet's own, in order) and `london` (London's rows against its boroughs)
    may be given, made earlier for the same sheets: a check's rounds change only the new
    sheet's hidden cells, and neither the other sheets' pieces nor London's rows with them."""
    if pieces is None:
        pieces = [_piece(sheet, threshold) for sheet in sheets]
    known: dict[Key, int] = {}
    hidden: dict[Key, int] = {}
    rows: list[Row] = []
    protected: list[Quantity] = []
    new_implied: list[tuple[str, list[tuple[str, str, int]]]] = []
    for piece in pieces:
        known |= piece.known
        hidden |= piece.hidden
        rows += piece.rows
        protected += piece.cells
    for piece in pieces:
        protected += piece.implied
        new_implied += piece.new_implied
    london_rows, zeros = london if london is not None else london_rows_of(sheets, authorities)
    known |= zeros
    rows += london_rows
    return Built(Model(known, hidden, rows, protected, block=blocks_of, hub=ALL), new_implied)


@dataclass
class _Piece:
    """One sheet's part of the model: its values, rows within it, and protected counts."""

    known: dict[Key, int]
    hidden: dict[Key, int]
    rows: list[Row]
    cells: list[Quantity]  # its hidden counts
    implied: list[Quantity]  # the counts its figures imply (or it recorded)
    new_implied: list[tuple[str, list[tuple[str, str, int]]]]  # a new sheet's, to record


@dataclass
class _Frame:
    """What a sheet's piece of the model takes from which figures it has, whatever of them is
    hidden: a check's rounds hide more of the new sheet, and make its piece again from this."""

    counts: list[Cell]
    zeros: dict[Key, int]  # categories of an indicator it has, not listed: zero
    rows: list[Row]  # tables and nested counts
    # Each percentage it has: its numerator's and base's keys, and the rows of its base.
    rates: list[tuple[Rate, Key, Key, list[Row]]]
    implied: list[Quantity]
    new_implied: list[tuple[str, list[tuple[str, str, int]]]]


def _frame(sheet: Sheet, threshold: int) -> _Frame:
    zeros: dict[Key, int] = {}
    rows: list[Row] = []
    implied: list[tuple[str, list[tuple[str, str, int]]]] = []

    def term(cell: Cell) -> Key | None:
        """The key of a figure in this sheet, registering it; None if the sheet lacks it
        (an older report without the indicator)."""
        if cell in sheet.values:
            return _key(sheet.place, cell)
        if cell[0] in sheet.indicators:
            # The indicator is there but not the category: every category found is listed,
            # so this one is zero.
            key = _key(sheet.place, cell)
            zeros[key] = 0
            return key
        return None

    counts = [cell for cell in sheet.values if sheet.is_count(cell)]
    # Tables: each breakdown adds up to its indicator's All.
    groups: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for cell in counts:
        if cell[1] != ALL and ":" in cell[1]:
            groups[(cell[0], cell[1].split(":")[0])].append(cell)
    for (indicator, dimension), members in groups.items():
        if (indicator, ALL) not in sheet.values:
            continue
        terms = {_key(sheet.place, c): 1 for c in members}
        terms[_key(sheet.place, (indicator, ALL))] = -1
        rows.append(Row(f"table|{sheet.place}|{indicator}|{dimension}", terms, 0, 0))
    # Nested counts, category by category.
    for smaller, larger in NESTED:
        for cell in counts:
            if cell[0] != larger:
                continue
            small = term((smaller, cell[1]))
            if small is None:
                continue
            big = _key(sheet.place, cell)
            rows.append(Row(f"nested|{sheet.place}|{smaller}|{cell[1]}", {big: 1, small: -1}, 0))
            implied.append(_difference((larger, cell[1]), (smaller, cell[1])))
    for smaller, larger in NESTED_TOTALS:
        small, big = (smaller, ALL), (larger, ALL)
        if small in sheet.values and big in sheet.values:
            terms = {_key(sheet.place, big): 1, _key(sheet.place, small): -1}
            rows.append(Row(f"nested|{sheet.place}|{smaller}|{larger}", terms, 0))
            implied.append(_difference(big, small))
    # Percentages with their bases.
    rates: list[tuple[Rate, Key, Key, list[Row]]] = []
    for rate in RATES:
        if (rate.indicator, ALL) not in sheet.values:
            continue
        n, d = (
            _key(sheet.place, (rate.indicator, NUMERATOR)),
            _key(sheet.place, (rate.indicator, DENOMINATOR)),
        )
        fixed = [Row(f"part|{sheet.place}|{rate.indicator}", {d: 1, n: -1}, 0)]
        base = {d: -1}
        complete = True
        for indicator, breakdown, coefficient in rate.base:
            key = term((indicator, breakdown))
            if key is None:
                complete = False
                break
            base[key] = base.get(key, 0) + coefficient
        if complete:
            fixed.append(Row(f"base|{sheet.place}|{rate.indicator}", base, 0, 0))
        for other in rate.at_most:
            if (other, ALL) in sheet.values:
                bigger = _key(sheet.place, (other, NUMERATOR))
                fixed.append(
                    Row(f"within|{sheet.place}|{rate.indicator}|{other}", {bigger: 1, n: -1}, 0)
                )
        rates.append((rate, n, d, fixed))
        if sheet.rates is not None and rate.indicator in sheet.rates:
            numerator, denominator = sheet.rates[rate.indicator]
            if count_is_disclosive(numerator, threshold):
                implied.append((f"numerator|{rate.indicator}", [(rate.indicator, NUMERATOR, 1)]))
            if count_is_disclosive(denominator - numerator, threshold):
                implied.append(
                    (
                        f"rest|{rate.indicator}",
                        [(rate.indicator, DENOMINATOR, 1), (rate.indicator, NUMERATOR, -1)],
                    )
                )
    # The new sheet's implied counts are protected where 1 to threshold-1; earlier sheets'
    # as they recorded.
    extra: list[Quantity] = []
    new_implied: list[tuple[str, list[tuple[str, str, int]]]] = []
    if sheet.new:
        for name, parts in implied_for(sheet, implied, threshold):
            if not sheet.planned:
                new_implied.append((name, parts))
            extra.append(_quantity(sheet.place, name, parts))
    else:
        # Every count is known or hidden, and every percentage's numerator and base hidden.
        named = {_key(sheet.place, c) for c in counts} | zeros.keys()
        named |= {key for _, n, d, _ in rates for key in (n, d)}
        for name, parts in sheet.protected:
            if all(_key(sheet.place, (i, b)) in named for i, b, _ in parts):
                extra.append(_quantity(sheet.place, name, parts))
    return _Frame(counts, zeros, rows, rates, extra, new_implied)


def _piece(sheet: Sheet, threshold: int, frame: _Frame | None = None) -> _Piece:
    """The sheet's piece of the model; `frame`, made earlier from a sheet with the same
    figures (however many of them hidden), saves making it again."""
    frame = frame or _frame(sheet, threshold)
    known: dict[Key, int] = {}
    hidden: dict[Key, int] = {}
    protected: list[Quantity] = []
    for cell in frame.counts:
        key = _key(sheet.place, cell)
        value = sheet.values.get(cell)
        if value == SUPPRESSED:
            # Zero is always shown, so a hidden count is at least 1; a hidden count of goals
            # (hidden on its base) may be anything.
            hidden[key] = 0 if cell[0] in OTHER_COUNTS else 1
            if cell[0] not in OTHER_COUNTS:
                protected.append(Quantity(f"{key}", {key: 1}))
        else:
            number = _number(value)
            known[key] = int(number) if number is not None else 0
    known |= frame.zeros
    rows = list(frame.rows)
    for rate, n, d, fixed in frame.rates:
        hidden[n] = hidden[d] = 0
        rows += fixed
        value = sheet.values[(rate.indicator, ALL)]
        if value == SUPPRESSED:
            continue
        source = frozenset({_key(sheet.place, (rate.indicator, ALL))})
        number = _number(value)
        if number is None:
            rows.append(Row(f"value|{sheet.place}|{rate.indicator}", {d: 1}, 0, 0, False, source))
            continue
        # Published to `places` decimals: the true percentage is within half a step.
        # 100 n / d in [p - h, p + h], times d, in whole numbers (times 2 * 10^places).
        scale = 2 * 10**rate.places
        shown = round(number * 10**rate.places) * 2  # p * scale
        rows.append(
            Row(
                f"value|{sheet.place}|{rate.indicator}",
                {n: 100 * scale, d: -(shown + 1)},
                upper=0,
                sources=source,
            )
        )
        rows.append(
            Row(
                f"value-low|{sheet.place}|{rate.indicator}",
                {n: 100 * scale, d: -(shown - 1)},
                lower=0,
                sources=source,
            )
        )
    return _Piece(known, hidden, rows, protected, frame.implied, frame.new_implied)


def london_rows_of(
    sheets: list[Sheet], authorities: Iterable[str]
) -> tuple[list[Row], dict[Key, int]]:
    """London's rows against its boroughs, and the zeros they name (categories a report
    lists none of)."""
    zeros: dict[Key, int] = {}
    return _london(sheets, list(authorities), zeros, {}), zeros


def blocks_of(key: Key) -> tuple[str]:
    """The block of an unknown in a large part (audit.py, `_Block`): its breakdown ("Age at
    referral") in every report and indicator, or "All" for totals and percentages' numerators
    and bases. London's rows and a breakdown's tables stay within it; only the totals link one
    breakdown to another."""
    breakdown = str(key[2])  # type: ignore[index]  # keys made by _key
    return (breakdown.split(":")[0] if ":" in breakdown else ALL,)


def _difference(big: Cell, small: Cell) -> tuple[str, list[tuple[str, str, int]]]:
    return (
        f"difference|{big[0]}|{small[0]}|{big[1]}",
        [(big[0], big[1], 1), (small[0], small[1], -1)],
    )


def implied_for(
    sheet: Sheet, implied: list[tuple[str, list[tuple[str, str, int]]]], threshold: int
) -> list[tuple[str, list[tuple[str, str, int]]]]:
    """Of the implied counts, those of the new sheet whose true value is 1 to threshold-1."""
    assert sheet.true is not None  # noqa: S101 - a new sheet has its true values
    rates = sheet.rates or {}
    chosen = []
    seen = set()
    for name, terms in implied:
        if name in seen:
            continue
        if name.startswith(("numerator|", "rest|")):
            # Listed only where the new sheet's true numerator or rest is 1 to threshold-1.
            if all(t[0] in rates for t in terms):
                chosen.append((name, terms))
                seen.add(name)
            continue
        value = 0
        for indicator, breakdown, coefficient in terms:
            value += coefficient * sheet.true.get((indicator, breakdown), 0)
        if count_is_disclosive(value, threshold):
            chosen.append((name, terms))
            seen.add(name)
    return chosen


def _quantity(place: str, name: str, terms: list[tuple[str, str, int]]) -> Quantity:
    return Quantity(f"{place}|{name}", {_key(place, (i, b)): c for i, b, c in terms})


def _london(
    sheets: list[Sheet], authorities: list[str], known: dict[Key, int], hidden: dict[Key, int]
) -> list[Row]:
    """London against its boroughs, cell by cell: sums of episodes (and of percentages'
    numerators and bases); young people no more than the boroughs' added up."""
    london = next((s for s in sheets if s.place == LONDON), None)
    if london is None:
        return []  # nothing to subtract the boroughs from
    boroughs = [s for s in sheets if s.place != LONDON]
    complete = {s.place for s in boroughs} >= set(authorities)
    rows: list[Row] = []
    cells: set[Cell] = set()
    for sheet in sheets:
        for cell in sheet.values:
            if sheet.is_count(cell):
                cells.add(cell)
            if cell[0] in RATE_NAMES and cell[1] == ALL:
                cells.add((cell[0], NUMERATOR))
                cells.add((cell[0], DENOMINATOR))
    for cell in sorted(cells):
        people = london.units.get(cell) == YOUNG_PEOPLE or any(
            s.units.get(cell) == YOUNG_PEOPLE for s in boroughs
        )
        whole = _present(london, cell, known)
        if whole is None:
            continue
        parts = {}
        every = complete
        for sheet in boroughs:
            key = _present(sheet, cell, known)
            if key is None:
                every = False
            else:
                parts[key] = 1
        name = f"london|{cell[0]}|{cell[1]}"
        if people:
            # Someone who moved borough is one young person in London and one in each.
            if every:
                rows.append(Row(name, {**parts, whole: -1}, lower=0, elastic=True))
            for key in parts:
                rows.append(Row(f"{name}|{key}", {whole: 1, key: -1}, lower=0, elastic=True))
        elif every:
            rows.append(Row(name, {**parts, whole: -1}, 0, 0, elastic=True))
        else:
            rows.append(Row(name, {**parts, whole: -1}, upper=0, elastic=True))
    return rows


def _present(sheet: Sheet, cell: Cell, known: dict[Key, int]) -> Key | None:
    key = _key(sheet.place, cell)
    if cell[1] in (NUMERATOR, DENOMINATOR):
        return key if (cell[0], ALL) in sheet.values else None
    if cell in sheet.values:
        return key
    if cell[0] in sheet.indicators:
        known[key] = 0  # every category found is listed: an absent one is zero
        return key
    return None


@dataclass
class Check:
    """The disclosure check of one new report, as recorded with it."""

    hidden: set[Cell]  # the new report's cells it hid, beyond the rules' own suppression
    checked: int  # protected counts whose range was computed
    reports: int  # reports for the period published, this one included
    planned: int  # reports not yet published, checked as they would be now (London's check)
    seconds: float
    unresolved: list[str]
    protected: list[tuple[str, list[tuple[str, str, int]]]]
    ranges: dict[str, str]
    stats: audit.Stats
    # London's check: the seconds taken to check the planned reports first (`seconds` is its
    # own check's).
    planning_seconds: float = 0.0

    def record(self) -> dict[str, object]:
        return {
            "made": True,
            "cells_added": len(self.hidden),
            "cells": sorted([list(cell) for cell in self.hidden]),
            "counts_checked": self.checked,
            "reports": self.reports,
            "planned": self.planned,
            "seconds": round(self.seconds, 3),
            "planning_seconds": round(self.planning_seconds, 3),
            "unresolved": len(self.unresolved),
            "programmes": self.stats.programmes,
            "integer_programmes": self.stats.integer_programmes,
            "relaxed_bounds": self.stats.relaxed,
            "block_programmes": self.stats.block_programmes,
            "propagated": self.stats.propagated,  # shown unsafe with no programme
            "moved": self.stats.moved,  # shown safe with no programme
            "carried": self.stats.carried,  # safe in an earlier round, not checked again
            # Counts this report implies and must keep unknown, for later reports' checks.
            "protected": [[name, [list(t) for t in terms]] for name, terms in self.protected],
        }


def check(new: Sheet, earlier: list[Sheet], authorities: Iterable[str], threshold: int) -> Check:
    """Hide more of `new` until no hidden count of any report for the period, nor any count its
    figures imply, can be narrowed to fewer than `threshold` possible values."""
    started = time.perf_counter()
    authorities = list(authorities)
    if new.true is None:
        raise ValueError("the new report's sheet needs its true values")
    choosable: dict[Key, int] = {}
    for cell, value in new.values.items():
        if value == SUPPRESSED:
            continue
        if new.is_count(cell) and cell[0] not in OTHER_COUNTS:
            true = new.true.get(cell, 0)
            if true > 0:
                choosable[_key(new.place, cell)] = true
        elif cell[0] in RATE_NAMES and cell[1] == ALL and value is not None:
            choosable[_key(new.place, cell)] = -1
    last: dict[str, Built] = {}
    # Only London's rows link one report to another: without London's report, the earlier
    # reports share no row with this one, so nothing in them bears on what it gives away (and
    # the check looks only at what it touches). They are left out of the model.
    linked_to = earlier if any(s.place == LONDON for s in [new, *earlier]) else []

    # Only the new sheet changes from one round to the next: the others' pieces, and London's
    # rows (they name cells, hidden or not), are made once.
    pieces = [_piece(sheet, threshold) for sheet in linked_to]
    frame = _frame(new, threshold)  # each round's new sheet has the same figures as `new`
    london: list[tuple[list[Row], dict[Key, int]]] = []

    def model(extra: set[Key]) -> Model:
        values = dict(new.values)
        for key in extra:
            values[_cell(key)] = SUPPRESSED
        sheet = Sheet(new.place, values, new.units, new.true, new.rates, [])
        if not london:
            london.append(london_rows_of([sheet, *linked_to], authorities))
        built = build(
            [sheet, *linked_to],
            authorities,
            threshold,
            [_piece(sheet, threshold, frame), *pieces],
            london[0],
        )
        last["built"] = built
        return built.model

    def touches(key: Key) -> bool:
        return isinstance(key, tuple) and key[0] == new.place

    outcome = audit.protect(
        model, choosable, threshold, touches=touches, start=_true_values([new, *linked_to])
    )
    model(outcome.hidden)  # the final model, for the counts it implies
    ranges = outcome.ranges
    return Check(
        hidden={_cell(k) for k in outcome.hidden},
        checked=len(ranges),
        reports=1 + sum(1 for s in earlier if not s.planned),
        planned=sum(1 for s in earlier if s.planned),
        seconds=time.perf_counter() - started,
        unresolved=outcome.unresolved,
        protected=last["built"].implied,
        ranges={name: str(r) for name, r in ranges.items()},
        stats=outcome.stats,
    )


def _true_values(sheets: list[Sheet]) -> dict[Key, float]:
    """The values each sheet may start from (`Sheet.start`): for the new report and those
    London's check plans for, their true values, a whole-number solution of their rows."""
    values: dict[Key, float] = {}
    for s in sheets:
        if s.start is None:
            continue
        true, rates = s.start
        for cell, value in true.items():
            values[_key(s.place, cell)] = value
        for indicator, (numerator, denominator) in rates.items():
            values[_key(s.place, (indicator, NUMERATOR))] = numerator
            values[_key(s.place, (indicator, DENOMINATOR))] = denominator
    return values


def sheet(
    place: str,
    rows: Iterable[dict[str, object]],
    figures: Iterable[Figure] | None = None,
    protected: Iterable[object] = (),
    planned: bool = False,
    now: Iterable[Figure] | None = None,
) -> Sheet:
    """A report's sheet from its published rows (`Published.as_dict()`, or a stored report's
    results); with `figures`, the new report's true values too; with `now`, a published
    report's place's figures now (`Sheet.now`)."""
    values: dict[Cell, object] = {}
    units: dict[Cell, str] = {}
    for row in rows:
        cell = (str(row["indicator"]), str(row["breakdown"]))
        values[cell] = row["value"]
        units[cell] = str(row.get("unit", ""))
    true, rates = _counts(figures) if figures is not None else (None, None)
    stored = [
        (str(item[0]), [(str(i), str(b), int(c)) for i, b, c in item[1]])  # type: ignore[index]
        for item in protected
    ]
    return Sheet(place, values, units, true, rates, stored, planned, _counts(now) if now else None)


def _counts(figures: Iterable[Figure]) -> Counted:
    """Figures' counts, and the numerator and base of each of their rates."""
    true: dict[Cell, int] = {}
    rates: dict[str, tuple[int, int]] = {}
    for f in figures:
        if f.kind == COUNT or f.indicator in OTHER_COUNTS:
            true[(f.indicator, f.breakdown)] = int(f.value or 0)
        if f.numerator is not None and f.denominator is not None:
            rates[f.indicator] = (f.numerator, f.denominator)
    return true, rates
