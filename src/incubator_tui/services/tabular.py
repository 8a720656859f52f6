"""Reading the CSV and XLSX files centres keep into rows with line numbers.

Files come from Excel and WPS, by hand: UTF-8 with or without BOM, or
GB18030; `,`, `;` or tab separated; a title row or two above the header; the
header in Chinese or English, sometimes in full-width letters.  This module
turns such a file into a :class:`Table` (header found, data rows with the
line number the user sees) and knows nothing of what the columns mean.

Refusals (:class:`TableError`, a UserError naming the file) happen before
anything is decoded or written: a file with NUL bytes or other binary
content, an ``.xlsx`` that is not a zip, an unknown extension.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from incubator_tui.errors import UserError

NAME_HEADERS = ("name", "名称")
DELIMITERS = (",", ";", "\t")
SNIFF_LINES = 50  # the header is looked for in these first lines when choosing the delimiter
# Control characters never found in a text table (tab, CR, LF and FF are).
_BINARY_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HEADER_SEP_RE = re.compile(r"[\s\-]+")


class TableError(UserError):
    """The file cannot be read as a table at all (exit 1); nothing was written."""


def header_key(text: Any) -> str:
    """How headers are compared: NFKC (full-width → ASCII), trimmed, case-folded,
    inner spaces and hyphens as '_' (so 'Credit Code' matches credit_code)."""
    if text is None:
        return ""
    clean = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return _HEADER_SEP_RE.sub("_", clean)


def column_letter(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA': how Excel and WPS name the column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Row:
    line: int  # 1-based line of the CSV file (first line of a multi-line record) or sheet row
    cells: list[Any]

    def get(self, index: int | None) -> Any:
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]


@dataclass
class Table:
    path: Path
    header_line: int
    headers: list[str]  # as written (trimmed)
    keys: list[str]  # header_key of each header
    rows: list[Row] = field(default_factory=list)  # data rows below the header; blank rows left out

    @property
    def file(self) -> str:
        return self.path.name

    def find(self, aliases: Iterable[str]) -> list[int]:
        """Indexes of the columns whose header is one of ``aliases``."""
        wanted = {header_key(a) for a in aliases}
        return [i for i, k in enumerate(self.keys) if k and k in wanted]

    def label(self, index: int) -> str:
        """The column as the user knows it: its header, or its letter if blank."""
        return self.headers[index] if index < len(self.headers) and self.headers[index] else column_letter(index)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- decoding


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise TableError("import.file_missing", file=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TableError("import.unreadable", file=path.name, detail=exc.strerror or str(exc)) from exc


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM), else GB18030; binary content is refused first.

    A NUL byte never occurs in UTF-8 or GB18030 text, but does in zip files,
    images and UTF-16: refusing it before decoding keeps a renamed .xlsx or
    an Excel "Unicode text" file from being read as garbage.
    """
    if b"\x00" in data:
        raise TableError("import.binary", file=file)
    candidates = (("utf-8-sig",) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030"))
    text = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise TableError("import.encoding", file=file)
    if _BINARY_RE.search(text):
        raise TableError("import.binary", file=file)
    return text


# ---------------------------------------------------------------- raw rows


def _csv_rows(text: str, delimiter: str, file: str) -> list[Row]:
    """Records with the 1-based line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    start = 1
    try:
        for record in reader:
            rows.append(Row(start, record))
            start = reader.line_num + 1
    except csv.Error as exc:  # e.g. a field over the size limit
        raise TableError("import.csv_broken", file=file, line=start, detail=str(exc)) from exc
    return rows


def _header_index(rows: Sequence[Row], name_keys: set[str]) -> int | None:
    for i, row in enumerate(rows):
        if any(header_key(c) in name_keys for c in row.cells):
            return i
    return None


def _read_csv(path: Path, name_keys: set[str]) -> tuple[list[Row], int | None]:
    text = decode_text(_read_bytes(path), path.name)
    # Sniffing: take the delimiter under which a header row with the name
    # column appears with the most columns, judged on the first lines.
    # csv.Sniffer guesses from all lines and is thrown off by the title rows
    # offices put above the header.
    sample = "".join(text.splitlines(keepends=True)[:SNIFF_LINES])
    best_width, best = -1, DELIMITERS[0]
    for delimiter in DELIMITERS:
        rows = _csv_rows(sample, delimiter, path.name)
        idx = _header_index(rows, name_keys)
        width = sum(1 for c in rows[idx].cells if not is_blank(c)) if idx is not None else 0
        if width > best_width:
            best_width, best = width, delimiter
    rows = _csv_rows(text, best, path.name)
    return rows, _header_index(rows, name_keys)


def _excel_value(value: Any) -> Any:
    """Cell values as the user meant them: floats exactly as shown (2.0 → Decimal('2.0')),
    date cells as dates (a midnight datetime is a date)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    return value


def _read_xlsx(path: Path, name_keys: set[str]) -> tuple[list[Row], int | None]:
    import zipfile

    if not path.is_file():
        raise TableError("import.file_missing", file=str(path))
    if not zipfile.is_zipfile(path):
        raise TableError("import.not_xlsx", file=path.name)
    from openpyxl import load_workbook  # lazy: only imports need it

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise TableError("import.not_xlsx", file=path.name) from exc
    try:
        first: list[Row] | None = None
        # The first sheet with a header row; offices sometimes keep a notes sheet in front.
        for ws in wb.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue  # a chartsheet
            if not ws.max_row or not ws.max_column or (ws.max_row, ws.max_column) == (1, 1):
                # Some writers record no or a wrong <dimension> (A1): then read every row.  A
                # declared range is trusted, as resetting it costs a second pass over the sheet.
                ws.reset_dimensions()
            rows = [
                Row(n, [_excel_value(v) for v in values])
                for n, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
            ]
            idx = _header_index(rows, name_keys)
            if idx is not None:
                return rows, idx
            if first is None:
                first = rows
        return first or [], None
    finally:
        wb.close()


def read_table(path: Path | str, name_headers: Sequence[str] = NAME_HEADERS) -> Table:
    """The file's table: the header is the first row with a name column; rows
    above it (titles) are passed over, blank rows below it left out."""
    path = Path(path)
    suffix = path.suffix.lower()
    name_keys = {header_key(h) for h in name_headers}
    if suffix == ".csv":
        rows, idx = _read_csv(path, name_keys)
    elif suffix == ".xlsx":
        rows, idx = _read_xlsx(path, name_keys)
    else:
        raise TableError("import.bad_extension", file=path.name, ext=path.suffix or "-")
    if idx is None:
        raise TableError("import.no_header", file=path.name)
    header = rows[idx]
    headers = ["" if is_blank(c) else unicodedata.normalize("NFC", str(c)).strip() for c in header.cells]
    width = len(headers)
    data = []
    for row in rows[idx + 1:]:
        if all(is_blank(c) for c in row.cells):
            continue
        cells = list(row.cells)
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        data.append(Row(row.line, cells))
    return Table(path, header.line, headers, [header_key(h) for h in headers], data)
