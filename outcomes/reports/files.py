"""Report files: CSV, Excel, a printable HTML page and its PDF, all from published rows.

A report's files are written into a hidden folder beside their final one, which takes the final
name in one rename once every file is complete (`staged_folder`). A worker killed half way
leaves only the hidden folder, which the sweeper removes: the final folder holds every file or
none, never a half-written one. Every file carries its provenance.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from outcomes.reports import indicators, rounding
from outcomes.reports.disclosure import SUPPRESSED, safe_cell
from outcomes.reports.publish import Published


@dataclass(frozen=True)
class Written:
    format: str
    path: Path
    size_bytes: int
    sha256: str


#: Names of the hidden folders of work in progress (and of a folder being replaced).
STAGING_PREFIX = ".partial-"
RETIRED_PREFIX = ".retired-"


def _fsync_directory(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class StagedFolder:
    """Files written to a hidden folder, published together (see `staged_folder`)."""

    def __init__(self, final: Path, staging: Path) -> None:
        self.final = final
        self.staging = staging
        self.count = 0

    def write(self, name: str, data: bytes) -> Written:
        """Write one file; its Written names the path it will have once published."""
        pause = getattr(settings, "FILE_WRITE_PAUSE_SECONDS", 0)  # set only by fault tests
        if pause and self.count:
            time.sleep(pause)
        with open(self.staging / name, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        self.count += 1
        path = self.final / name
        return Written(path.suffix.lstrip("."), path, len(data), hashlib.sha256(data).hexdigest())

    def publish(self) -> None:
        _fsync_directory(self.staging)
        retired = None
        if self.final.exists():
            # A complete earlier attempt whose worker died before the database said so.
            retired = self.final.with_name(f"{RETIRED_PREFIX}{self.final.name}-{uuid.uuid4().hex}")
            os.rename(self.final, retired)
        os.rename(self.staging, self.final)
        _fsync_directory(self.final.parent)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def staged_folder(final: Path) -> Iterator[StagedFolder]:
    """Write files with `.write(name, data)`; when the block ends they appear at `final` all at
    once. If the block fails the hidden folder is removed; if the process dies it stays hidden
    until `remove_abandoned` (the sweeper) deletes it."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f"{STAGING_PREFIX}{final.name}-"))
    folder = StagedFolder(final, staging)
    try:
        yield folder
        folder.publish()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_abandoned(root: Path, before: datetime) -> int:
    """Delete hidden folders under `root` left by workers that died (older than `before`)."""
    removed = 0
    if not root.is_dir():
        return 0
    for path in root.iterdir():
        if not path.name.startswith((STAGING_PREFIX, RETIRED_PREFIX)) or not path.is_dir():
            continue
        if path.stat().st_mtime < before.timestamp():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def csv_bytes(rows: list[Published], provenance: dict[str, str]) -> bytes:
    """One tidy table (section, indicator, breakdown, value, suppressed, unit), after "# " lines
    of provenance that most tools skip as comments.

    The provenance lines go through the same writer and cell guard as the figures: a name with
    a comma, quote or `=` stays inside one quoted cell, never an extra or formula cell. Each is
    kept to one line (line breaks become spaces). Our own values hold no comma, so the writer
    leaves them unquoted and they still start with "# "."""
    out = io.StringIO()
    writer = csv.writer(out)
    for key, value in provenance.items():
        writer.writerow([safe_cell(" ".join(f"# {key}: {value}".split()))])
    writer.writerow(["section", "indicator", "breakdown", "value", "suppressed", "unit"])
    for r in rows:
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    r.section,
                    r.indicator,
                    r.breakdown,
                    "" if r.value is None else r.value,
                    "yes" if r.suppressed else "no",
                    r.unit,
                )
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[Published], provenance: dict[str, str]) -> bytes:
    """A sheet per section with a frozen header and number formats, and one of provenance.
    Written in openpyxl's write-only mode: row by row, without a cell model to keep (a third
    of the time)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet_with(title: str, header: list[str], widths: tuple[int, ...] = ()) -> Any:
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        return sheet

    about = sheet_with("About this report", ["Item", "Value"])
    for key, value in provenance.items():
        about.append([safe_cell(key), safe_cell(value)])
    sections: dict[str, list[Published]] = {}
    for r in rows:
        sections.setdefault(r.section, []).append(r)
    for name, members in sections.items():
        sheet = sheet_with(
            name,
            ["Indicator", "Breakdown", "Value", "Unit", "Suppressed", "Definition"],
            (44, 40, 12, 16, 12, 80),
        )
        for r in members:
            value = WriteOnlyCell(sheet, value=r.value if r.value is not None else "")
            if isinstance(r.value, float):
                value.number_format = "0.0#"
            elif isinstance(r.value, int):
                value.number_format = "#,##0"
            sheet.append(
                [
                    safe_cell(r.indicator),
                    safe_cell(r.breakdown),
                    value,
                    r.unit,
                    "yes" if r.suppressed else "no",
                    safe_cell(r.definition),
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    shown: str
    width: float

    @property
    def value_x(self) -> float:
        return self.width + 264  # just after the bar; the bars start at 258


def _chart(rows: list[Published], title: str) -> dict[str, object]:
    numbers = [r.value for r in rows if isinstance(r.value, int | float)]
    top = max(numbers, default=0) or 1
    bars = [
        Bar(
            label=r.breakdown.split(": ", 1)[-1]
            if r.breakdown != "All"
            else r.indicator.removeprefix("Sessions "),
            value=r.value if isinstance(r.value, int | float) else None,
            shown=SUPPRESSED if r.suppressed else ("" if r.value is None else str(r.value)),
            width=round(260 * (r.value / top), 1) if isinstance(r.value, int | float) else 0,
        )
        for r in rows
    ]
    return {"title": title, "bars": bars, "height": 24 * len(bars) + 8}


@dataclass(frozen=True)
class Line:
    """A row of the printable report. An indicator's definition is printed once, on its first
    row, rather than again beside every category of its breakdown."""

    row: Published
    first: bool


def html_document(rows: list[Published], provenance: dict[str, str]) -> str:
    sections: dict[str, list[Line]] = {}
    seen: set[str] = set()
    for r in rows:
        sections.setdefault(r.section, []).append(Line(r, r.indicator not in seen))
        seen.add(r.indicator)

    def breakdown(indicator: str, dimension: str) -> list[Published]:
        return [
            r for r in rows if r.indicator == indicator and r.breakdown.startswith(f"{dimension}:")
        ]

    charts = [
        _chart(
            [
                r
                for r in rows
                if r.section == indicators.SECTION_SESSIONS
                and r.unit == indicators.SESSIONS
                and r.indicator.startswith("Sessions ")
            ],
            "Sessions in the period",
        ),
        _chart(
            breakdown(indicators.REFERRALS_RECEIVED, indicators.AGE.label),
            "Referrals (episodes) by age at referral",
        ),
        _chart(
            breakdown(indicators.EPISODES_CLOSED, indicators.ENDING_REASON.label),
            "Episodes closed, by ending reason",
        ),
        _chart(
            breakdown(indicators.EPISODES_CLOSED, indicators.WEEKS.label),
            "Episodes closed, by weeks of work",
        ),
    ]
    return render_to_string(
        "outcomes/report_document.html",
        {
            "provenance": provenance,
            "rounding": rounding.RULE,
            "sections": sections,
            "charts": [c for c in charts if c["bars"]],
        },
    )


def write_all(
    directory: Path, stem: str, rows: list[Published], provenance: dict[str, str]
) -> list[Written]:
    """The files every report has. The PDF is not among them: `write_pdf` makes it from the
    printable page when someone first asks for it."""
    with staged_folder(directory) as folder:
        return [
            folder.write(f"{stem}.csv", csv_bytes(rows, provenance)),
            folder.write(f"{stem}.xlsx", xlsx_bytes(rows, provenance)),
            folder.write(f"{stem}.html", html_document(rows, provenance).encode("utf-8")),
        ]


def write_pdf(page: Path) -> Written:
    """The PDF of a report's printable page, written beside it: the same published rows and
    provenance, since it is that page printed. Written under a hidden name and renamed, so a
    reader never finds half a PDF."""
    from weasyprint import HTML  # imported here: it loads native libraries

    data = HTML(string=page.read_text(encoding="utf-8")).write_pdf()
    final = page.with_suffix(".pdf")
    partial = final.with_name(f"{STAGING_PREFIX}{final.name}-{uuid.uuid4().hex}")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, final)
    _fsync_directory(final.parent)
    return Written("pdf", final, len(data), hashlib.sha256(data).hexdigest())
