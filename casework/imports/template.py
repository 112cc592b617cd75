"""The template a borough lead downloads: a workbook with a sheet per kind of record and a
sheet saying what each column takes, or one CSV file per sheet."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from casework.imports.sheets import SPECS, SheetSpec

ABOUT_TITLE = "About this template"


def workbook_bytes() -> bytes:
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = ABOUT_TITLE
    about.append(["Your Choice: importing existing cases"])
    about["A1"].font = Font(bold=True, size=14)
    about.append(
        [
            "Fill one sheet per kind of record, one row each, keeping the headings in row 1. "
            "Columns marked * are needed. Type values, not formulas. Dates day first "
            "(23/04/2024), as 2024-04-23, or as Excel dates."
        ]
    )
    about.append([])
    about.append(["Sheet", "Column", "Needed", "What to write"])
    for cell in about[4]:
        cell.font = Font(bold=True)
    for spec in SPECS:
        about.append([spec.title, "", "", spec.about])
        for column in spec.columns:
            about.append(["", column.header, "Yes" if column.required else "", column.hint])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 28
    about.column_dimensions["D"].width = 90
    for spec in SPECS:
        sheet = book.create_sheet(spec.title)
        sheet.append([f"{c.header}" for c in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for letter_index, column in enumerate(spec.columns):
            sheet.column_dimensions[chr(ord("A") + letter_index)].width = max(
                14, len(column.header) + 4
            )
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(spec: SheetSpec) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(spec.headers)
    # With a byte-order mark, so Excel opens it as UTF-8 and saves it back the same way.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
