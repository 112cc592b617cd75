"""Report files: CSV, Excel, a printable HTML page and its PDF, all from published rows.

Each file is written to a temporary name and moved into place only when complete, so a worker
that dies half way leaves nothing that looks like a report. Every file carries its provenance.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from outcomes.reports.disclosure import SUPPRESSED, safe_cell
from outcomes.reports.publish import Published


@dataclass(frozen=True)
class Written:
    format: str
    path: Path
    size_bytes: int
    sha256: str


def _atomic_write(path: Path, data: bytes) -> Written:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Written(path.suffix.lstrip("."), path, len(data), hashlib.sha256(data).hexdigest())


def csv_bytes(rows: list[Published], provenance: dict[str, str]) -> bytes:
    """One tidy table (section, indicator, breakdown, value, suppressed, unit), after "# " lines
    of provenance that most tools skip as comments."""
    out = io.StringIO()
    for key, value in provenance.items():
        out.write(f"# {key}: {value}\n")
    writer = csv.writer(out)
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
    """A sheet per section with a frozen header and number formats, and one of provenance."""
    book = Workbook()
    about = book.active
    about.title = "About this report"
    about.append(["Item", "Value"])
    for key, value in provenance.items():
        about.append([safe_cell(key), safe_cell(value)])
    sections: dict[str, list[Published]] = {}
    for r in rows:
        sections.setdefault(r.section, []).append(r)
    for name, members in sections.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(["Indicator", "Breakdown", "Value", "Unit", "Suppressed", "Definition"])
        for r in members:
            sheet.append(
                [
                    safe_cell(r.indicator),
                    safe_cell(r.breakdown),
                    r.value if r.value is not None else "",
                    r.unit,
                    "yes" if r.suppressed else "no",
                    safe_cell(r.definition),
                ]
            )
            cell = sheet.cell(row=sheet.max_row, column=3)
            if isinstance(r.value, float):
                cell.number_format = "0.0#"
            elif isinstance(r.value, int):
                cell.number_format = "#,##0"
        sheet.freeze_panes = "A2"
        for col, width in enumerate((44, 40, 12, 16, 12, 80), start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
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


def html_document(rows: list[Published], provenance: dict[str, str]) -> str:
    sections: dict[str, list[Published]] = {}
    for r in rows:
        sections.setdefault(r.section, []).append(r)
    charts = [
        _chart(
            [
                r
                for r in rows
                if r.section == "Sessions" and r.indicator.startswith("Sessions ") and r.unit == ""
            ],
            "Sessions in the period",
        ),
        _chart(
            [
                r
                for r in rows
                if r.indicator == "Referrals received" and r.breakdown.startswith("Age at referral")
            ],
            "Referrals by age at referral",
        ),
        _chart(
            [r for r in rows if r.indicator == "Closed" and r.breakdown.startswith("Ending")],
            "Closures by ending reason",
        ),
    ]
    return render_to_string(
        "outcomes/report_document.html",
        {
            "provenance": provenance,
            "sections": sections,
            "charts": [c for c in charts if c["bars"]],
        },
    )


def write_all(
    directory: Path, stem: str, rows: list[Published], provenance: dict[str, str]
) -> list[Written]:
    from weasyprint import HTML  # imported here: it loads native libraries

    html = html_document(rows, provenance)
    return [
        _atomic_write(directory / f"{stem}.csv", csv_bytes(rows, provenance)),
        _atomic_write(directory / f"{stem}.xlsx", xlsx_bytes(rows, provenance)),
        _atomic_write(directory / f"{stem}.html", html.encode("utf-8")),
        _atomic_write(directory / f"{stem}.pdf", HTML(string=html).write_pdf()),
    ]
