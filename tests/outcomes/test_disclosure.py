"""Disclosure control (docs/disclosure.md), with property-based tests that nothing is
recoverable."""

from __future__ import annotations

from collections.abc import Hashable

from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes.reports.disclosure import (
    Table,
    count_is_disclosive,
    safe_cell,
    statistic_is_disclosive,
    suppress,
)

T = 10


def one_way(counts: dict[str, int]) -> Table:
    return Table(
        cells={(k, "n"): v for k, v in counts.items()},
        row_totals={},
        column_totals={"n": sum(counts.values())},
    )


def test_primary_suppression_of_counts_and_statistics():
    assert [count_is_disclosive(n, T) for n in (0, 1, 9, 10)] == [False, True, True, False]
    assert statistic_is_disclosive(9, T) and not statistic_is_disclosive(10, T)


def test_a_single_suppressed_cell_takes_the_next_smallest_with_it():
    table = suppress(one_way({"female": 4, "male": 30, "other": 12}), T)
    assert table.suppressed == {("female", "n"), ("other", "n")}
    assert table.cells_suppressed == 2


def test_zero_is_shown_and_not_used_to_protect():
    table = suppress(one_way({"a": 3, "b": 0, "c": 20}), T)
    assert table.suppressed == {("a", "n"), ("c", "n")}


def test_when_only_zeros_remain_the_total_is_hidden():
    table = suppress(
        Table(cells={("a", "n"): 12, ("b", "n"): 0}, row_totals={}, column_totals={"n": 12}), T
    )
    assert table.suppressed == set()
    table = suppress(
        Table(cells={("a", "n"): 5, ("b", "n"): 0}, row_totals={}, column_totals={"n": 5}), T
    )
    assert ("column", "n") in table.suppressed_totals  # 5 is itself below the threshold


def test_formula_injection_is_made_inert():
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("+1+1") == "'+1+1"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("-2.5") == "-2.5" and safe_cell(-2.5) == -2.5
    assert safe_cell("Hackney") == "Hackney"


def published_lines(table: Table):
    rows: dict = {}
    cols: dict = {}
    for key in table.cells:
        rows.setdefault(key[0], []).append(key)
        cols.setdefault(key[1], []).append(key)
    for name, keys in rows.items():
        if name in table.row_totals and ("row", name) not in table.suppressed_totals:
            yield keys
    for name, keys in cols.items():
        if name in table.column_totals and ("column", name) not in table.suppressed_totals:
            yield keys


counts = st.integers(min_value=0, max_value=40)


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 4))
    cells: dict[tuple[Hashable, Hashable], int] = {
        (r, c): draw(counts) for r in range(n_rows) for c in range(n_cols)
    }
    row_totals: dict[Hashable, int] = (
        {r: sum(cells[(r, c)] for c in range(n_cols)) for r in range(n_rows)} if n_cols > 1 else {}
    )
    col_totals: dict[Hashable, int] = {
        c: sum(cells[(r, c)] for r in range(n_rows)) for c in range(n_cols)
    }
    return Table(cells=cells, row_totals=row_totals, column_totals=col_totals)


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_suppressed_value_can_be_recovered_from_its_row_or_column_total(table):
    suppress(table, T)
    for keys in published_lines(table):
        hidden = [k for k in keys if k in table.suppressed]
        # With a published total, one hidden cell would be total minus the others; and the
        # hidden cells, each at least 1, share what the total leaves: each has that many
        # values less the others' 1s, at least the threshold.
        assert len(hidden) != 1, (table.cells, table.suppressed)
        if hidden:
            room = sum(table.cells[k] for k in hidden) - len(hidden) + 1
            assert room >= T, (table.cells, table.suppressed)
    for key, value in table.cells.items():
        if 0 < value < T:
            assert key in table.suppressed  # every small count is hidden


def test_hidden_cells_with_too_little_room_between_them_take_the_next_smallest_with_them():
    # 1 and 1 hidden beside a published 20 and a total of 22: they add up to 2, so each is 1.
    table = suppress(one_way({"a": 1, "b": 1, "c": 20}), T)
    assert table.suppressed == {("a", "n"), ("b", "n"), ("c", "n")}
    # 4 and 12 hidden add up to 16: each could be 1 to 15, room enough.
    table = suppress(one_way({"a": 4, "b": 30, "c": 12}), T)
    assert table.suppressed == {("a", "n"), ("c", "n")}
    # Nothing else to hide: the total goes.
    table = suppress(one_way({"a": 3, "b": 4, "c": 0}), T)
    assert ("column", "n") in table.suppressed_totals
