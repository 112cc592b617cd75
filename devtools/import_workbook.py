"""A borough's history as the import template, generated: for the benchmarks (bench/imports.py),
the tests and trying an import by hand. Deterministic for a seed and a day.

`rows()` builds every sheet's rows as the template's headings name them; `write_xlsx` and
`write_csvs` write them out. Sizes: a borough is about 80 young people and 2,000 sessions, the
whole programme about 2,600 young people and 64,000 sessions (about 25 sessions a case).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO, Any

from openpyxl import Workbook

from casework.imports.sheets import SPECS

FIRST = ["Sam", "Alex", "Jordan", "Taylor", "Riley", "Casey", "Morgan", "Jamie", "Ashley", "Kai"]
LAST = ["Okafor", "Smith", "Begum", "Nowak", "Campbell", "Ahmed", "Jones", "Silva", "Patel", "Ali"]
HARMS = ["Serious youth violence", "Criminal exploitation", "County lines", "Carrying weapons"]
PLACES = ["School", "Home", "Community setting", "Youth centre"]


def rows(
    *,
    coaches: list[str],
    young_people: int,
    sessions_per_case: int = 25,
    seed: int = 1,
    today: date | None = None,
    prefix: str = "",
) -> dict[str, list[list[Any]]]:
    """Every sheet's rows (headings first), keyed by sheet title. Old ids carry `prefix`."""
    today = today or date.today()
    rng = random.Random(seed)
    out: dict[str, list[list[Any]]] = {spec.title: [spec.headers] for spec in SPECS}
    people, cases, sessions, goals, ratings, sdqs = (
        out["Young people"], out["Cases"], out["Sessions"], out["Goals"],
        out["Goal ratings"], out["SDQs"],
    )  # fmt: skip
    first_day = date(2023, 1, 1)
    span = (today - timedelta(days=40) - first_day).days
    for n in range(1, young_people + 1):
        yp, case = f"{prefix}YP{n}", f"{prefix}C{n}"
        referred = first_day + timedelta(days=rng.randrange(span))
        born = referred - timedelta(days=rng.randrange(12 * 365, 16 * 365))
        people.append(
            [yp, rng.choice(FIRST), f"{rng.choice(LAST)}{n}", "", born.strftime("%d/%m/%Y"),
             rng.choice(["Female", "Male"]), "", "", "", "", "", rng.choice(["Yes", "No"])]
        )  # fmt: skip
        coach = coaches[n % len(coaches)]
        allocated = referred + timedelta(days=rng.randrange(1, 10))
        closes = allocated + timedelta(days=rng.randrange(90, 130))
        closed = closes if closes < today - timedelta(days=1) else None
        cases.append(
            [case, yp, referred.isoformat(), "Youth offending service",
             rng.choice(["Medium", "High"]),
             "; ".join(rng.sample(HARMS, 2)), coach, allocated.isoformat(),
             closed.isoformat() if closed else "", "Planned ending" if closed else ""]
        )  # fmt: skip
        last = closed or today - timedelta(days=1)
        day = allocated
        attended: list[tuple[str, date]] = []
        for s in range(1, sessions_per_case + 1):
            day = day + timedelta(days=rng.randrange(2, 5))
            if day > last:
                break
            sid = f"{prefix}S{n}-{s}"
            if rng.random() < 0.8:
                sessions.append(
                    [sid, case, day.isoformat(), "16:00", "", "Attended", 60, rng.choice(PLACES),
                     rng.randrange(3, 7), rng.randrange(5, 9), ""]
                )  # fmt: skip
                attended.append((sid, day))
            else:
                sessions.append(
                    [sid, case, day.isoformat(), "", "", "Did not attend", "", "", "", "", ""]
                )
        for g in (1, 2):
            gid = f"{prefix}G{n}-{g}"
            agreed = allocated
            ended = closed if closed else None
            goals.append(
                [gid, case, f"Goal {g} in the young person's words", agreed.isoformat(),
                 "Achieved" if ended else "Working on it", ended.isoformat() if ended else ""]
            )  # fmt: skip
            score = rng.randrange(1, 5)
            for k, (sid, sday) in enumerate(attended[::3]):
                score = min(10, score + rng.randrange(0, 2))
                ratings.append([f"{prefix}R{n}-{g}-{k}", gid, sday.isoformat(), score, sid])
        baseline = allocated + timedelta(days=7)
        if baseline <= last:
            sdqs.append([f"{prefix}Q{n}-b", case, "Baseline", baseline.isoformat(), 5, 4, 6, 3, 6])
        if closed:
            sdqs.append([f"{prefix}Q{n}-e", case, "End", closed.isoformat(), 3, 2, 4, 2, 8])
    return out


def write_xlsx(sheets: dict[str, list[list[Any]]], stream: IO[bytes]) -> None:
    """The sheets as one workbook, streamed (openpyxl's write-only mode)."""
    book = Workbook(write_only=True)
    for title, table in sheets.items():
        sheet = book.create_sheet(title)
        for row in table:
            sheet.append(row)
    book.save(stream)


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def csv_files(
    sheets: dict[str, list[list[Any]]], encoding: str = "utf-8"
) -> Iterator[tuple[str, bytes]]:
    """The sheets as CSV files, one each, named after the sheet."""
    for title, table in sheets.items():
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        yield f"{title.lower().replace(' ', '-')}.csv", buffer.getvalue().encode(encoding)
