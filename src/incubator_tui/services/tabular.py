"""Reading the CSV and XLSX files centres keep into rows with line numbers.

Files come from Excel and WPS, by hand: UTF-8 with or without BOM, or
GB18030; `,`, `;` or tab separated; a title row or two above the header; the
header in Chinese or English, sometimes in full-width letters.  This module
turns such a file into a :class:`Table` (header found, data rows with the
line number the user sees) and knows nothing of what the columns mean.

Refusals (:class:`TableError`, a UserError naming the file) happen before
anything is decoded or written: a file with NUL bytes or other binary
content, an ``.xlsx`` that is not a zip, an unknown extension.

Bounds: a file is read within limits no centre's file comes near
(``MAX_*`` below), counted while it is read, so a hostile or broken file (a
zip bomb, a sheet declaring A1:XFD1048576, two million rows, a cell of a
megabyte) is refused in seconds and a few megabytes, with a message naming
the limit.  An ``.xlsx``'s sizes are checked in its zip directory before
openpyxl opens it (zipfile never inflates a member past its declared size),
its rows are streamed (read-only mode) and its declared ``<dimension>`` is
never trusted: every row the sheet holds is read, however small the range
it declares.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
import zlib
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
# Limits no real centre's file reaches (docs/decisions.md, "Trust: imports and values").
MAX_FILE_BYTES = 100 * 1024 * 1024  # the file; for an .xlsx also its members uncompressed, together
MAX_ZIP_MEMBERS = 1_000  # an .xlsx has a dozen
MAX_ROWS = 200_000  # lines of a CSV (title and blank lines included), rows of a sheet
MAX_COLUMNS = 200  # up to the last filled cell of a row
MAX_CELL_CHARS = 10_000  # characters in one cell
MAX_CELLS = 2_000_000  # filled cells in the file (a sheet read, for an .xlsx)
# Cells openpyxl may hand us while reading a sheet, empty ones included (a row
# whose last, empty but formatted, cell sits in column XFD is 16,384 wide).
_MAX_CELLS_SCANNED = MAX_ROWS * MAX_COLUMNS
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
    sha256: str = ""  # of the bytes read: the content imported is the content recorded

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
    """The file's bytes, size checked before reading; read errors as a sentence naming the file."""
    try:
        if not path.is_file():
            raise TableError("import.file_missing", file=str(path))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TableError("import.limit_file", file=path.name, limit=_mb(MAX_FILE_BYTES))
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except PermissionError as exc:
        raise TableError("import.permission", file=path.name) from exc
    except OSError as exc:
        raise TableError("import.unreadable", file=path.name, detail=exc.strerror or str(exc)) from exc
    if len(data) > MAX_FILE_BYTES:  # it grew while we looked
        raise TableError("import.limit_file", file=path.name, limit=_mb(MAX_FILE_BYTES))
    return data


def _mb(n: int) -> int:
    return n // (1024 * 1024)


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


# ---------------------------------------------------------------- limits


class _Limits:
    """Counts what a file holds while it is read; refuses past a limit, naming it."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.cells = 0
        self.scanned = 0

    def row(self, line: int, values: Sequence[Any]) -> list[Any]:
        """The row's cells up to its last filled one, checked against the limits."""
        if line > MAX_ROWS:
            raise TableError("import.limit_rows", file=self.file, limit=MAX_ROWS)
        width = len(values)
        self.scanned += width
        if self.scanned > _MAX_CELLS_SCANNED:
            raise TableError("import.limit_columns", file=self.file, line=line, limit=MAX_COLUMNS)
        if width > MAX_COLUMNS:
            tail = values[MAX_COLUMNS:]
            if tail.count(None) + tail.count("") != len(tail):
                raise TableError("import.limit_columns", file=self.file, line=line, limit=MAX_COLUMNS)
            values = values[:MAX_COLUMNS]
        cells = list(values)
        while cells and is_blank(cells[-1]):
            cells.pop()
        for col, value in enumerate(cells):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise TableError("import.limit_cell", file=self.file, line=line, letter=column_letter(col),
                                 limit=MAX_CELL_CHARS)
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise TableError("import.limit_cells", file=self.file, line=line, limit=MAX_CELLS)
        return cells


# ---------------------------------------------------------------- raw rows


def _csv_rows(text: str, delimiter: str, file: str, limits: _Limits | None = None) -> list[Row]:
    """Records with the 1-based line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    start = 1
    try:
        for record in reader:
            rows.append(Row(start, record if limits is None else limits.row(start, record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" in str(exc):  # the csv module's own limit, far above ours
            col = _long_field(text, start, delimiter)
            raise TableError("import.limit_cell", file=file, line=start, letter=column_letter(col),
                             limit=MAX_CELL_CHARS) from exc
        raise TableError("import.csv_broken", file=file, line=start, detail=str(exc)) from exc
    return rows


def _long_field(text: str, line: int, delimiter: str) -> int:
    """The column of the first field longer than MAX_CELL_CHARS in the record starting on ``line``
    (only called once the csv module refused a field as too large)."""
    lines = io.StringIO(text, newline="")
    for _ in range(line - 1):
        lines.readline()
    col, length, quoted = 0, 0, False
    for chunk in iter(lambda: lines.read(65536), ""):
        for ch in chunk:
            if ch == '"':
                quoted = not quoted  # a doubled quote toggles twice: close enough to count a length
            elif ch == delimiter and not quoted:
                col, length = col + 1, 0
            else:
                length += 1
                if length > MAX_CELL_CHARS:
                    return col
    return col


def _header_index(rows: Sequence[Row], name_keys: set[str]) -> int | None:
    for i, row in enumerate(rows):
        if any(header_key(c) in name_keys for c in row.cells):
            return i
    return None


def _read_csv(path: Path, data: bytes, name_keys: set[str]) -> tuple[list[Row], int | None]:
    text = decode_text(data, path.name)
    # Sniffing: take the delimiter under which a header row with the name
    # column appears with the most columns, judged on the first lines.
    # csv.Sniffer guesses from all lines and is thrown off by the title rows
    # offices put above the header.  A delimiter the sample cannot be read
    # with is passed over; the full read below reports what is wrong.
    sample = "".join(text.splitlines(keepends=True)[:SNIFF_LINES])
    best_width, best = -1, DELIMITERS[0]
    for delimiter in DELIMITERS:
        try:
            rows = _csv_rows(sample, delimiter, path.name)
        except TableError:
            continue
        idx = _header_index(rows, name_keys)
        width = sum(1 for c in rows[idx].cells if not is_blank(c)) if idx is not None else 0
        if width > best_width:
            best_width, best = width, delimiter
    rows = _csv_rows(text, best, path.name, _Limits(path.name))
    return rows, _header_index(rows, name_keys)


_DECIMALS: dict[float, Decimal] = {}  # float → Decimal: a score sheet holds few distinct numbers


def _excel_value(value: Any) -> Any:
    """Cell values as the user meant them: floats exactly as shown (2.0 → Decimal('2.0')),
    date cells as dates (a midnight datetime is a date).  An infinite or NaN number
    (a cell holding 1e999) becomes its text, which no field accepts as a number."""
    if isinstance(value, float):
        got = _DECIMALS.get(value)
        if got is None:
            if not math.isfinite(value):
                return repr(value)
            got = Decimal(repr(value))
            if len(_DECIMALS) < 4096:
                _DECIMALS[value] = got
        return got
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    return value


def _check_zip(data: bytes, file: str) -> None:
    """The workbook's zip directory within bounds, before anything is inflated.

    zipfile stops inflating a member at the size its directory entry declares
    (and then fails its CRC check), so a bomb that lies about its size cannot
    grow past what is checked here either.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise TableError("import.not_xlsx", file=file) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise TableError("import.limit_zip_members", file=file, limit=MAX_ZIP_MEMBERS)
    if sum(i.file_size for i in infos) > MAX_FILE_BYTES:
        raise TableError("import.limit_unzipped", file=file, limit=_mb(MAX_FILE_BYTES))
    # Rows are counted in the sheets' XML before openpyxl parses them (~80 µs a row):
    # two million rows are refused in a second instead of after 200,000 parsed ones.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        if _count_rows(fh) > MAX_ROWS:
                            raise TableError("import.limit_rows", file=file, limit=MAX_ROWS)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise TableError("import.xlsx_damaged", file=file) from exc


_ROW_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?row[\s/>]")
_ROW_TAG_MAX = 37  # the longest text _ROW_TAG_RE matches


def _count_rows(fh: Any) -> int:
    """The row elements in a sheet's XML stream (with or without a namespace prefix).

    Read in chunks; the last bytes of a chunk are carried over so that a tag cut by
    the boundary is found, and the tags wholly inside them are not counted twice
    (a tag holds a single '<', so matches never overlap)."""
    count, tail = 0, b""
    while chunk := fh.read(1 << 20):
        buf = tail + chunk
        count += len(_ROW_TAG_RE.findall(buf)) - len(_ROW_TAG_RE.findall(tail))
        tail = buf[-(_ROW_TAG_MAX - 1):]
        if count > MAX_ROWS:
            break
    return count


def _read_xlsx(path: Path, data: bytes, name_keys: set[str]) -> tuple[list[Row], int | None]:
    import zipfile

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TableError("import.not_xlsx", file=path.name)
    _check_zip(data, path.name)
    from openpyxl import load_workbook  # lazy: only imports need it

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise TableError("import.not_xlsx", file=path.name) from exc
    try:
        first: list[Row] | None = None
        # The first sheet with a header row; offices sometimes keep a notes sheet in front.
        for ws in wb.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue  # a chartsheet
            rows = _sheet_rows(ws, path.name)
            idx = _header_index(rows, name_keys)
            if idx is not None:
                return rows, idx
            if first is None:
                first = rows
        return first or [], None
    finally:
        wb.close()


def _sheet_rows(ws: Any, file: str) -> list[Row]:
    """Every row the sheet holds, streamed and counted against the limits.

    The declared ``<dimension>`` is dropped first: read-only openpyxl would
    stop at a range smaller than the data (rows silently left out) and pad
    to a huge one (A1:XFD1048576: 17 billion empty cells).
    """
    ws.reset_dimensions()
    limits = _Limits(file)
    rows: list[Row] = []
    line = 0
    try:
        for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            cells = limits.row(line, values)
            if cells:
                rows.append(Row(line, [_excel_value(v) for v in cells]))
    except TableError:
        raise
    except Exception as exc:  # truncated or malformed XML, a number openpyxl cannot convert
        raise TableError("import.sheet_broken", file=file, line=line + 1) from exc
    return rows


def read_table(path: Path | str, name_headers: Sequence[str] = NAME_HEADERS) -> Table:
    """The file's table: the header is the first row with a name column; rows
    above it (titles) are passed over, blank rows below it left out."""
    path = Path(path)
    suffix = path.suffix.lower()
    name_keys = {header_key(h) for h in name_headers}
    if suffix not in (".csv", ".xlsx"):
        raise TableError("import.bad_extension", file=path.name, ext=path.suffix or "-")
    data = _read_bytes(path)
    if suffix == ".csv":
        rows, idx = _read_csv(path, data, name_keys)
    else:
        rows, idx = _read_xlsx(path, data, name_keys)
    if idx is None:
        raise TableError("import.no_header", file=path.name)
    header = rows[idx]
    headers = ["" if is_blank(c) else unicodedata.normalize("NFC", str(c)).strip() for c in header.cells]
    width = len(headers)
    data_rows = []
    for row in rows[idx + 1:]:
        if all(is_blank(c) for c in row.cells):
            continue
        cells = list(row.cells)
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        data_rows.append(Row(row.line, cells))
    return Table(path, header.line, headers, [header_key(h) for h in headers], data_rows,
                 hashlib.sha256(data).hexdigest())
