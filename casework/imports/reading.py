"""Reading an uploaded file into rows of text, numbers and dates, or refusing it whole.

Excel workbooks are read by casework/imports/xlsx.py, which streams each sheet's rows from the
zip without building the workbook in memory and gives each cell the value openpyxl's read-only
mode would, several times faster. It reports formulas as formulas (never the value Excel last
worked out), so a cell whose value would be worked out by Excel is refused rather than
guessed. CSV files are read with Python's csv module, decoded as UTF-8 strictly: a file
in another encoding is refused rather than read with its accented letters and pound signs
silently changed. tablib and django-import-export were not chosen: both load every row into
memory at once, and the second maps rows onto single models, where a case is several records
written together by the service's own rules.

A refusal is about the file as a whole (not a workbook, the wrong columns, a formula, the wrong
encoding): nothing in it is checked further, and nothing is saved. Problems with what a row
says are the check's (casework/imports/rules.py).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO

from casework.imports import xlsx
from casework.imports.sheets import (
    BY_SLUG,
    SPECS,
    SheetSpec,
    normal,
    spec_for_headers,
    spec_for_title,
)

#: The largest file accepted. A borough's whole history is a few megabytes.
MAX_BYTES = 50 * 1024 * 1024
#: Rows one sheet may have: ten times the whole programme's sessions.
MAX_ROWS = 700_000
#: The most columns a sheet may have (the template's widest has 12).
MAX_COLUMNS = 60

Value = str | int | float | date | datetime | time | bool | None


class FileRefused(Exception):
    """The file cannot be read as the template: one plain-English message saying why."""


@dataclass
class Table:
    """One sheet's rows, as read: `rows` are (row number in the sheet, values in the spec's
    column order). Row numbers are those the lead sees in Excel, header row 1."""

    spec: SheetSpec
    rows: list[tuple[int, tuple[Value, ...]]] = field(default_factory=list)


FORMULA_STARTS = ("=",)

NOT_A_WORKBOOK = (
    "This file is not an Excel workbook (.xlsx): it may be an older .xls file, or another kind "
    "of file renamed. Open it in Excel and save it as “Excel Workbook (.xlsx)”, or upload CSV "
    "files instead."
)
UNREADABLE = (
    "This workbook could not be opened: it may be damaged or protected with a password. Save "
    "it again from Excel without a password and upload it again."
)


def _columns(spec: SheetSpec, header: Iterable[Value], where: str) -> list[int | None]:
    """For each of the spec's columns, its position in the file's header row; refuses a
    header without a required column, or with a column the template does not have."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        name = normal(cell)
        if not name:
            continue
        if name in positions:
            raise FileRefused(f"{where}: the column “{cell}” appears twice.")
        if name not in {normal(h) for h in spec.headers}:
            unknown.append(str(cell).strip())
        positions[name] = index
    missing = [c.header for c in spec.columns if c.required and normal(c.header) not in positions]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"it has no column {_listed(missing)}")
        if unknown:
            parts.append(f"it has a column the template does not: {_listed(unknown)}")
        raise FileRefused(
            f"{where} does not have the template's columns: {' and '.join(parts)}. "
            "Use the headings of the template's first row, as they are."
        )
    return [positions.get(normal(c.header)) for c in spec.columns]


def _listed(names: list[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _rows(
    spec: SheetSpec, rows: Iterator[tuple[Value, ...]], where: str, first_row: int = 2
) -> Table:
    try:
        header = next(rows)
    except StopIteration:
        raise FileRefused(f"{where} is empty: it needs the template's heading row.") from None
    if len(header) > MAX_COLUMNS:
        header = header[:MAX_COLUMNS]
    positions = _columns(spec, header, where)
    table = Table(spec)
    for number, raw in enumerate(rows, start=first_row):
        if number - first_row >= MAX_ROWS:
            raise FileRefused(
                f"{where} has more than {MAX_ROWS:,} rows. Split it into smaller files."
            )
        width = len(raw)
        values = [raw[p] if p is not None and p < width else None for p in positions]
        # Text trimmed, an empty cell as None, and a formula refused, in one pass over the
        # cells: for the programme's million cells this loop is much of the reading.
        empty = True
        for k, value in enumerate(values):
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    values[k] = None
                    continue
                if value.startswith(FORMULA_STARTS):
                    raise FileRefused(
                        f"{where}, row {number}: the “{spec.columns[k].header}” cell holds a "
                        f"formula ({value[:40]}). Formulas are not imported: copy the sheet and "
                        "paste it back as values only, then upload it again."
                    )
                values[k] = value
            elif value is None:
                continue
            empty = False
        if not empty:
            table.rows.append((number, tuple(values)))
    return table


def read_workbook(stream: IO[bytes]) -> list[Table]:
    """Every sheet of the template found in an .xlsx workbook. Sheets the template does not
    have (notes of your own, the template's "About" sheet) are left alone."""
    if not zipfile.is_zipfile(stream):
        raise FileRefused(NOT_A_WORKBOOK)
    stream.seek(0)
    try:
        workbook = xlsx.Workbook(stream)
    except xlsx.Unreadable:
        raise FileRefused(UNREADABLE) from None
    try:
        tables = []
        for title, part in workbook.sheets:
            spec = spec_for_title(title)
            if spec is None:
                continue
            tables.append(_rows(spec, workbook.rows(part), f"The “{title}” sheet"))
    except xlsx.Unreadable:
        raise FileRefused(UNREADABLE) from None
    finally:
        workbook.close()
    if not tables:
        raise FileRefused(
            "This workbook has none of the template's sheets ("
            + ", ".join(f"“{s.title}”" for s in SPECS)
            + "). Use the template, keeping its sheet names."
        )
    return tables


def decode_csv(data: bytes, name: str) -> str:
    """The text of a CSV file, which must be UTF-8 (Excel's “CSV UTF-8”)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            f"{name} is saved as UTF-16 (Excel's “Unicode Text”). Save it from Excel as "
            "“CSV UTF-8 (Comma delimited)” and upload it again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        try:
            data.decode("cp1252")
            kind = "in the Windows encoding (Windows-1252), not UTF-8"
        except UnicodeDecodeError:
            kind = "in an encoding other than UTF-8"
        raise FileRefused(
            f"{name} is saved {kind}: line {line} has a character that cannot be read (often "
            "a £ sign or an accented letter). Nothing has been imported. In Excel choose "
            "“Save as”, then “CSV UTF-8 (Comma delimited)”, and upload it again."
        ) from None


def read_csv(data: bytes, name: str) -> Table:
    text = decode_csv(data, name)
    if "\x00" in text:
        raise FileRefused(f"{name} is not a CSV file of text. Upload the template's CSV files.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(f"{name} is empty: it needs the template's heading row.") from None
    except csv.Error:
        raise FileRefused(f"{name} could not be read as CSV.") from None
    spec = spec_for_headers(header)
    if spec is None:
        raise FileRefused(
            f"{name} does not have the columns of any of the template's sheets. Use the "
            "headings of a template CSV file's first row, as they are."
        )

    def rows() -> Iterator[tuple[Value, ...]]:
        yield tuple(header)
        try:
            yield from (tuple(row) for row in reader)
        except csv.Error as error:
            raise FileRefused(f"{name}, line {reader.line_num}: {error}.") from None

    return _rows(spec, rows(), name)


def is_workbook_name(name: str) -> bool:
    return name.lower().endswith(".xlsx")


def refuse_kinds(files: list[tuple[str, bytes]]) -> None:
    """The refusals that need nothing read: what kinds of file were uploaded, together, and
    whether a workbook is a zip at all. Made at once, in the upload's request; the rest of the
    reading is the check's job."""
    if len(files) == 1 and is_workbook_name(files[0][0]):
        if not zipfile.is_zipfile(io.BytesIO(files[0][1])):
            raise FileRefused(NOT_A_WORKBOOK)
        return
    for name, _ in files:
        if is_workbook_name(name):
            raise FileRefused("Upload one Excel workbook on its own, or CSV files only.")
        if not name.lower().endswith(".csv"):
            raise FileRefused(f"{name} is not an Excel workbook (.xlsx) or a CSV file (.csv).")


def read_files(files: list[tuple[str, bytes]]) -> list[Table]:
    """The tables in what was uploaded: one workbook, or one CSV file per sheet."""
    refuse_kinds(files)
    if len(files) == 1 and is_workbook_name(files[0][0]):
        return read_workbook(io.BytesIO(files[0][1]))
    tables: list[Table] = []
    for name, data in files:
        table = read_csv(data, name)
        if any(t.spec == table.spec for t in tables):
            raise FileRefused(f"Two of the files are both the “{table.spec.title}” sheet.")
        tables.append(table)
    return tables


# --- What is kept while the file is checked ---------------------------------------------------


def uploaded_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """The files as uploaded, in one zip, for the check's job to read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        for n, (name, data) in enumerate(files):
            bundle.writestr(f"{n:03d}/{name}", data)
    return buffer.getvalue()


def read_uploaded(data: bytes) -> list[tuple[str, bytes]]:
    """The files `uploaded_bytes` kept, with their names, in the order uploaded."""
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return [
            (member.split("/", 1)[1], bundle.read(member)) for member in sorted(bundle.namelist())
        ]


# --- What is kept between the check and the save ----------------------------------------------
#
# A checked file is kept as its rows, already read, as CSV text in one zip: the job that saves it
# reads that with the csv module rather than the workbook again with openpyxl, several times
# faster. Each value is written as text the check reads the same way as the value itself (a
# date as 2024-04-23, a time as 16:30), with each row's number in the sheet, so a problem found
# at the save still names the row the lead sees.

KEPT_ROW = "Row in the file"
DATE_KEYS = frozenset(
    {
        "date_of_birth",
        "referred_on",
        "allocated_on",
        "closed_on",
        "date",
        "agreed_on",
        "ended_on",
        "rated_on",
        "completed_on",
    }
)


def _as_text(key: str, value: Value) -> str:
    if value is None:
        return ""
    if key in DATE_KEYS and isinstance(value, date | datetime):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if key == "time":
        if isinstance(value, datetime):
            value = value.time()
        if isinstance(value, float) and 0 <= value < 1:
            minutes = round(value * 24 * 60)
            value = time(minutes // 60, minutes % 60)
        if isinstance(value, time):
            return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def kept_bytes(tables: list[Table]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for table in tables:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([KEPT_ROW, *table.spec.keys])
            keys = table.spec.keys
            for number, values in table.rows:
                texts = (_as_text(k, v) for k, v in zip(keys, values, strict=True))
                writer.writerow([number, *texts])
            bundle.writestr(f"{table.spec.slug}.csv", text.getvalue())
    return buffer.getvalue()


def read_kept(data: bytes) -> list[Table]:
    """The tables `kept_bytes` wrote."""
    tables = []
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for member in bundle.namelist():
            spec = BY_SLUG[member.removesuffix(".csv")]
            reader = csv.reader(io.StringIO(bundle.read(member).decode("utf-8"), newline=""))
            next(reader)
            table = Table(spec)
            for number, *values in reader:
                table.rows.append((int(number), tuple(v if v != "" else None for v in values)))
            tables.append(table)
    return tables
