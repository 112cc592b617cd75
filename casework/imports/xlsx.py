"""Reading the cells of an .xlsx workbook's sheets, streamed, as openpyxl's read-only mode reads
them, in a fraction of the time.

openpyxl (the library the service writes its workbooks with) reads a workbook through
defusedxml's pure-Python XML parser, reads each sheet twice (once to find its size when the
file does not say it) and builds an object for every cell: about 30 seconds of CPU for the
whole programme's history (a million cells), most of an import's check. Here each sheet's XML
goes once through the C expat parser with small handlers that keep only each cell's value, so
the same file is read in a few seconds.

The values are openpyxl's own for the same cells (`read_only=True, data_only=False,
values_only=True`): numbers as int or float, a number in a date style as a datetime (or a time,
for a time of day), shared and inline strings as text, TRUE/FALSE as bool, an error as its code
("#N/A"), and a cell with a formula as the formula ("=A1+1"), never the value Excel last worked
out for it, so a formula is refused (casework/imports/reading.py). openpyxl's helpers decide
which number formats are dates, so the two agree.

The XML is parsed as defusedxml would let it be: a document type declaration, and so any entity,
is refused (no workbook Excel writes has one), and nothing external is ever fetched.
"""

from __future__ import annotations

import contextlib
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

#: The most a part of the workbook may unzip to: a sheet of the programme's 64,000 sessions is
#: about 33 MB of XML; a part declared larger is not read (a "zip bomb").
MAX_PART_BYTES = 1024 * 1024 * 1024
CHUNK_BYTES = 256 * 1024

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Element names as expat reports them with namespace_separator=" ".
_ROW, _C, _V, _F, _IS, _T, _R, _RPH = (
    f"{MAIN} {name}" for name in ("row", "c", "v", "f", "is", "t", "r", "rPh")
)
_SI, _XF, _CELL_XFS, _NUM_FMT, _SHEET, _WORKBOOK_PR = (
    f"{MAIN} {name}" for name in ("si", "xf", "cellXfs", "numFmt", "sheet", "workbookPr")
)
_RELATIONSHIP = f"{PACKAGE_RELATIONSHIPS} Relationship"
_RID = f"{RELATIONSHIPS} id"


class Unreadable(Exception):
    """The workbook's parts are not what an .xlsx file holds (damaged, or not a workbook)."""


def _parser() -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def refuse(*_: object) -> Any:
        raise Unreadable("The workbook has a document type declaration.")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _feed(parser: Any, stream: IO[bytes]) -> Iterator[None]:
    """Parse a part in chunks, pausing after each so the rows found so far can be handed on."""
    try:
        while chunk := stream.read(CHUNK_BYTES):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise Unreadable(str(error)) from None


def _open(bundle: zipfile.ZipFile, name: str) -> IO[bytes]:
    try:
        info = bundle.getinfo(name)
    except KeyError:
        raise Unreadable(f"The workbook has no part {name}.") from None
    if info.file_size > MAX_PART_BYTES:
        raise Unreadable(f"The part {name} is too large.")
    return bundle.open(info)


def _elements(bundle: zipfile.ZipFile, name: str) -> list[tuple[str, dict[str, str]]]:
    """Every element of a small part (the workbook, its relationships), with its attributes."""
    found: list[tuple[str, dict[str, str]]] = []
    parser = _parser()
    parser.StartElementHandler = lambda tag, attributes: found.append((tag, attributes))
    with _open(bundle, name) as stream:
        for _ in _feed(parser, stream):
            pass
    return found


def _relationships(bundle: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, the target's name in the zip)."""
    folder, base = posixpath.split(part)
    name = posixpath.join(folder, "_rels", f"{base}.rels")
    if name not in bundle.namelist():
        return {}
    found = {}
    for tag, attributes in _elements(bundle, name):
        if tag == _RELATIONSHIP and attributes.get("TargetMode") != "External":
            target = attributes.get("Target", "")
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            found[attributes.get("Id", "")] = (attributes.get("Type", ""), target)
    return found


def _shared_strings(bundle: zipfile.ZipFile, name: str | None) -> list[str]:
    """The shared strings, each the text of its runs (phonetic guides left out, as openpyxl)."""
    if name is None or name not in bundle.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": 0}

    def start(tag: str, _: dict[str, str]) -> None:
        if tag == _T and not state["phonetic"]:
            state["text"] = True
        elif tag == _RPH:
            state["phonetic"] += 1
        elif tag == _SI:
            parts.clear()

    def end(tag: str) -> None:
        if tag == _T:
            state["text"] = False
        elif tag == _RPH:
            state["phonetic"] -= 1
        elif tag == _SI:
            strings.append("".join(parts))

    def text(data: str) -> None:
        if state["text"]:
            parts.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    with _open(bundle, name) as stream:
        for _ in _feed(parser, stream):
            pass
    return strings


def _date_styles(bundle: zipfile.ZipFile, name: str | None) -> tuple[set[int], set[int]]:
    """Which cell styles (by index) format a number as a date, and which of those as a
    duration, by openpyxl's own reading of number formats."""
    if name is None or name not in bundle.namelist():
        return set(), set()
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    styles: list[int] = []
    in_cell_xfs = False
    parser = _parser()

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal in_cell_xfs
        if tag == _NUM_FMT:
            with contextlib.suppress(ValueError):
                formats[int(attributes.get("numFmtId", ""))] = attributes.get("formatCode", "")
        elif tag == _CELL_XFS:
            in_cell_xfs = True
        elif tag == _XF and in_cell_xfs:
            try:
                styles.append(int(attributes.get("numFmtId", "0")))
            except ValueError:
                styles.append(0)

    def end(tag: str) -> None:
        nonlocal in_cell_xfs
        if tag == _CELL_XFS:
            in_cell_xfs = False

    parser.StartElementHandler, parser.EndElementHandler = start, end
    with _open(bundle, name) as stream:
        for _ in _feed(parser, stream):
            pass
    dates, durations = set(), set()
    for index, format_id in enumerate(styles):
        code = formats.get(format_id, "")
        if code and is_date_format(code):
            dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
    return dates, durations


class Workbook:
    """An .xlsx workbook's worksheets, by title, in the workbook's order; each read on demand."""

    def __init__(self, stream: IO[bytes]) -> None:
        try:
            self.bundle = zipfile.ZipFile(stream)
            self._read_parts()
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as error:
            raise Unreadable(str(error)) from None

    def _read_parts(self) -> None:
        root = _relationships(self.bundle, "")
        workbook = next(
            (target for kind, target in root.values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        related = _relationships(self.bundle, workbook)
        by_kind = {kind.rsplit("/", 1)[-1]: target for kind, target in related.values()}
        self.epoch = WINDOWS_EPOCH
        self.sheets: list[tuple[str, str]] = []
        for tag, attributes in _elements(self.bundle, workbook):
            if tag == _WORKBOOK_PR and attributes.get("date1904", "").lower() in ("1", "true"):
                self.epoch = MAC_EPOCH
            elif tag == _SHEET:
                kind, target = related.get(attributes.get(_RID, ""), ("", ""))
                if kind.endswith("/worksheet"):
                    self.sheets.append((attributes.get("name", ""), target))
        self.strings = _shared_strings(self.bundle, by_kind.get("sharedStrings"))
        self.dates, self.durations = _date_styles(self.bundle, by_kind.get("styles"))

    def close(self) -> None:
        self.bundle.close()

    def rows(self, part: str) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows from row 1, each a tuple of its cells' values from column A, an
        empty row as (); rows missing from the file (never written) are empty rows too."""
        reader = _SheetReader(self.strings, self.dates, self.durations, self.epoch)
        parser = _parser()
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        parser.CharacterDataHandler = reader.text
        with _open(self.bundle, part) as stream:
            for _ in _feed(parser, stream):
                yield from reader.take()


_COLUMNS: dict[str, int] = {}


def _column(reference: str) -> int:
    """The 0-based column of a cell reference ("C12" -> 2)."""
    letters = reference.rstrip("0123456789")
    found = _COLUMNS.get(letters)
    if found is None:
        found = 0
        for letter in letters.upper():
            found = found * 26 + ord(letter) - 64
        found -= 1
        if found < 0 or found > 16383:
            raise Unreadable(f"The cell reference {reference[:20]} is not a cell.")
        _COLUMNS[letters] = found
    return found


class _SheetReader:
    """expat's handlers for one sheet: collects each row's values as its cells end."""

    __slots__ = (
        "cells",
        "column",
        "dates",
        "durations",
        "epoch",
        "formula",
        "inline",
        "kind",
        "last_row",
        "ready",
        "row_number",
        "strings",
        "style",
        "target",
        "texts",
    )

    def __init__(
        self, strings: list[str], dates: set[int], durations: set[int], epoch: datetime
    ) -> None:
        self.strings, self.dates, self.durations, self.epoch = strings, dates, durations, epoch
        self.ready: list[tuple[Any, ...]] = []
        self.last_row = 0  # the number of the last row handed on
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.column = -1
        self.kind = "n"
        self.style = 0
        self.texts: list[str] = []
        self.formula: list[str] | None = None
        #: Where the text being read goes: the value (<v>, an inline string's <t>), the
        #: formula (<f>), or nowhere.
        self.target: list[str] | None = None
        self.inline = False

    def take(self) -> list[tuple[Any, ...]]:
        ready, self.ready = self.ready, []
        return ready

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == _C:
            reference = attributes.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.kind = attributes.get("t", "n")
            style = attributes.get("s")
            self.style = int(style) if style else 0
            self.texts = []
            self.formula = None
        elif tag == _V:
            self.target = self.texts
        elif tag == _T:
            if self.inline:
                self.target = self.texts
        elif tag == _ROW:
            number = attributes.get("r")
            self.row_number = int(number) if number else self.row_number + 1
            self.cells = {}
            self.column = -1
        elif tag == _IS:
            self.inline = True
        elif tag == _F:
            self.formula = self.target = []
        elif tag == _RPH:
            self.inline = False  # a phonetic guide's text is not the cell's

    def text(self, data: str) -> None:
        if self.target is not None:
            self.target.append(data)

    def end(self, tag: str) -> None:
        if tag == _C:
            try:
                value = self._value()
            except ValueError:
                # A number or a TRUE/FALSE that is neither: only a damaged file has one.
                raise Unreadable("A cell's value is not of its own kind.") from None
            if value is not None:
                self.cells[self.column] = value
        elif tag in (_V, _T, _F):
            self.target = None
        elif tag == _IS:
            self.inline = False
        elif tag == _RPH:
            self.inline = True
        elif tag == _ROW:
            number = self.row_number
            if number <= self.last_row:
                raise Unreadable(f"Row {number} appears twice or out of order.")
            while self.last_row < number - 1:
                self.last_row += 1
                self.ready.append(())
            self.last_row = number
            cells = self.cells
            if cells:
                width = max(cells) + 1
                self.ready.append(tuple(cells.get(i) for i in range(width)))
            else:
                self.ready.append(())

    def _value(self) -> Any:
        if self.formula is not None:
            return "=" + "".join(self.formula)
        kind = self.kind
        if kind == "inlineStr":
            return "".join(self.texts) if self.texts else None
        text = "".join(self.texts)
        if not text:
            return None
        if kind == "n":
            number: int | float = (
                float(text) if ("." in text or "E" in text or "e" in text) else int(text)
            )
            if self.style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=self.style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            try:
                return self.strings[int(text)]
            except (IndexError, ValueError):
                raise Unreadable(
                    "A cell names a shared string the workbook does not have."
                ) from None
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            try:
                return datetime.fromisoformat(text.rstrip("Z"))
            except ValueError:
                return text
        return text  # "str" (a formula's text result), "e" (an error such as #N/A)
