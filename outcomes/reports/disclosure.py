"""Disclosure control for figures that leave a borough (docs/disclosure.md).

- A count of 1 up to the threshold minus one young people is shown as "c"; zero is shown as 0.
- A rate, mean or median whose base is fewer than the threshold is shown as "c".
- Secondary suppression: where a suppressed cell could be worked out from a published total and
  the other cells of its row or column, or narrowed to fewer than threshold values (the hidden
  cells of a line, each at least 1, share what its total leaves), the next smallest cell is
  suppressed too, until every line with a published total has none, or enough room.
- The threshold is one setting (DISCLOSURE_THRESHOLD), printed on every report with the number
  of cells suppressed.
- Text that a spreadsheet could read as a formula is made inert (`safe_cell`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

SUPPRESSED = "c"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def count_is_disclosive(count: int | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


def statistic_is_disclosive(base: int | None, threshold: int) -> bool:
    """A rate, mean or median on fewer than `threshold` young people."""
    return base is None or base < threshold


@dataclass
class Table:
    """Counts in rows and columns, with the totals that will be published beside them.

    A one-way breakdown is a table with one column. Totals are counts too: a total below the
    threshold is itself suppressed, and then protects nothing in its line.
    """

    cells: dict[tuple[Hashable, Hashable], int]
    row_totals: dict[Hashable, int]
    column_totals: dict[Hashable, int]

    def __post_init__(self) -> None:
        self.suppressed: set[tuple[Hashable, Hashable]] = set()
        self.suppressed_totals: set[tuple[str, Hashable]] = set()

    @property
    def cells_suppressed(self) -> int:
        return len(self.suppressed) + len(self.suppressed_totals)


def _lines(table: Table) -> Iterable[tuple[str, Hashable, list[tuple[Hashable, Hashable]]]]:
    rows: dict[Hashable, list] = {}
    cols: dict[Hashable, list] = {}
    for key in table.cells:
        rows.setdefault(key[0], []).append(key)
        cols.setdefault(key[1], []).append(key)
    for row, keys in rows.items():
        if row in table.row_totals:
            yield "row", row, keys
    for col, keys in cols.items():
        if col in table.column_totals:
            yield "column", col, keys


def suppress(table: Table, threshold: int) -> Table:
    """Primary then secondary suppression, in place. Returns the table for chaining."""
    table.suppressed = {k for k, v in table.cells.items() if count_is_disclosive(v, threshold)}
    table.suppressed_totals = {
        ("row", k) for k, v in table.row_totals.items() if count_is_disclosive(v, threshold)
    } | {("column", k) for k, v in table.column_totals.items() if count_is_disclosive(v, threshold)}
    changed = True
    while changed:
        changed = False
        for kind, name, keys in _lines(table):
            if (kind, name) in table.suppressed_totals:
                continue  # the total is hidden: nothing can be subtracted from it
            hidden = [k for k in keys if k in table.suppressed]
            if not hidden or (len(hidden) > 1 and _room(table, hidden) >= threshold):
                continue
            candidates = sorted(
                (table.cells[k], str(k), k)
                for k in keys
                if k not in table.suppressed and table.cells[k] > 0
            )
            if candidates:
                table.suppressed.add(candidates[0][2])
            else:
                # Every other cell is zero: the total gives the hidden value away, so hide it.
                table.suppressed_totals.add((kind, name))
            changed = True
    return table


def _room(table: Table, hidden: list[tuple[Hashable, Hashable]]) -> int:
    """How many values each of a line's hidden cells could take, given the line's total: they
    add up to what the total leaves, each at least 1 (zero is shown)."""
    return sum(table.cells[k] for k in hidden) - len(hidden) + 1


def safe_cell(value: object) -> object:
    """Make text inert in spreadsheets: never let a cell start with =, +, -, @ (formula
    injection). Plain numbers, including negative ones, stay numbers."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value
