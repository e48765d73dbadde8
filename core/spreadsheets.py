"""Reading uploaded spreadsheets (XLSX or CSV) into rows keyed by a column spec.

App-agnostic: org units, event registrations and question banks all declare
their columns with :class:`Column` and call :func:`read_spreadsheet`; what a
cell means is the caller's business. Whole-file problems (wrong format, too
big, a required header missing) raise :class:`~core.errors.ServiceError`;
problems in a row are the caller's to report, by ``Row.number``.

Row numbers are what a person sees in Excel: the first line of the sheet is
row 1, so with the header on the first line the first data row is row 2.

Every upload goes through one guarded reader: a workbook's ZIP directory
and XML are checked by core.xlsx_guard before openpyxl parses it, and rows
are streamed and counted, never loaded whole. Cells come back as typed
(NFC, trimmed): text typed in a legacy font (TCVN3, VNI) is repaired only
by the importer, through core.legacy_vn, after the person has seen it.
Headers are matched without accents, case or punctuation, and a header
typed in a legacy font matches too, without being changed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import BinaryIO

from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.legacy_vn import from_tcvn3, from_vni, legacy_evidence, reads_as_vietnamese, vietnamese_evidence
from core.text import fold, nfc
from core.xlsx_guard import inspect_workbook, too_many_rows

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000
# Titles such as "DANH SÁCH ĐƠN VỊ" often sit above the header row.
HEADER_SEARCH_ROWS = 10
# Columns past this are ignored: nobody fills in a spreadsheet that wide,
# and a crafted file must not make every row a huge tuple.
MAX_COLUMNS = 100
# Blank rows between or after the data are common; this many past the row
# limit is allowed before a sheet counts as too big to scan.
BLANK_ROW_ALLOWANCE = 1000

XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
CSV_DELIMITERS = (",", ";", "\t")

ZIP_MAGIC = b"PK\x03\x04"
# Excel 97–2003 (.xls) and other OLE2 compound files.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Invisible characters that survive a copy from Word or the web and make
# "BTTTT" differ from "BTTTT\u200b".
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"

_SEP_LINE = re.compile(r"sep=([,;\t|])\r?\n", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """One column a reader expects.

    ``headers`` are the header names accepted for it, compared without
    accents, case or punctuation; the first is the one written in templates.
    """

    key: str
    headers: tuple[str, ...]
    required: bool = False
    example: str = ""
    width: int = 20
    help: str = ""

    def __post_init__(self) -> None:
        if not self.headers:
            raise ValueError(f"column {self.key!r} needs at least one header name")

    @property
    def title(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values[key]


@dataclass
class Sheet:
    rows: list[Row]
    format: str  # "xlsx" or "csv"
    header_row: int
    # column key -> the header text as written in the file
    headers: dict[str, str]
    ignored_headers: list[str] = field(default_factory=list)
    # CSV only: "utf-8", "utf-8-sig", "utf-16", "cp1258", or "cp1252" for 8-bit
    # text typed in a legacy Vietnamese font (repaired by the importer).
    encoding: str | None = None
    delimiter: str | None = None  # CSV only

    def has_column(self, key: str) -> bool:
        return key in self.headers

    def header(self, key: str, columns: Sequence[Column] = ()) -> str:
        """The header of ``key`` as the person wrote it, else its template title."""
        if key in self.headers:
            return self.headers[key]
        return next((column.title for column in columns if column.key == key), key)


# A spreadsheet program runs a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ' so it stays text.

    Every export writes its cells through this (CSV and XLSX alike): names and
    titles come from users and imports.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """The inverse of safe_cell, for reading back a file we exported."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def normalise_header(text: str) -> str:
    """Header comparison key: "MÃ ĐƠN VỊ *" and "ma don vi" are the same."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


def read_spreadsheet(
    file: bytes | BinaryIO,
    *,
    filename: str,
    columns: Sequence[Column],
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Sheet:
    """Read an uploaded XLSX or CSV file into rows keyed by ``columns``."""
    lookup = _header_lookup(columns)
    data = read_upload(file, max_bytes=max_bytes)
    if _detect_format(data, filename) == "xlsx":
        sheet_name = inspect_workbook(data, max_rows=max_rows, row_allowance=HEADER_SEARCH_ROWS + BLANK_ROW_ALLOWANCE)
        with _WorkbookRows(data, sheet_name, max_row=_scan_limit(HEADER_SEARCH_ROWS, max_rows) + 1) as raw_rows:
            return _build_sheet(raw_rows, columns, lookup, max_rows=max_rows, format="xlsx")
    text, encoding = _decode_csv(data)
    declared = _SEP_LINE.match(text)
    if declared:
        # Excel's "sep=;" first line names the delimiter and is not shown as
        # a row, so row numbers start after it.
        delimiter, text = declared.group(1), text[declared.end() :]
    else:
        delimiter = _sniff_delimiter(text)
    sheet = _build_sheet(_csv_rows(text, delimiter), columns, lookup, max_rows=max_rows, format="csv")
    sheet.encoding = encoding
    sheet.delimiter = delimiter
    return sheet


def build_template(
    columns: Sequence[Column],
    *,
    sheet_title: str = "Dữ liệu",
    example_rows: Iterable[Mapping[str, str]] | None = None,
    notes_title: str = "Hướng dẫn",
    notes_headers: tuple[str, str, str] = ("Cột", "Bắt buộc", "Ghi chú"),
    yes_no: tuple[str, str] = ("Có", "Không"),
) -> bytes:
    """An XLSX template for ``columns``: bold headers, widths, example rows, a notes sheet.

    The data sheet comes first and is active, so the template filled in and
    uploaded as is reads back through :func:`read_spreadsheet`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.title)
        cell.font = bold
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(column.width, len(column.title) + 4)
        # Text format keeps codes such as "001" from becoming the number 1.
        sheet.column_dimensions[letter].number_format = "@"
    rows = list(example_rows) if example_rows is not None else [{c.key: c.example for c in columns}]
    for row_index, example in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=row_index, column=index, value=example.get(column.key, "") or None)
            cell.number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(notes_title[:31])
    for index, heading in enumerate(notes_headers, start=1):
        notes.cell(row=1, column=index, value=heading).font = bold
    for row_index, column in enumerate(columns, start=2):
        notes.cell(row=row_index, column=1, value=column.title)
        notes.cell(row=row_index, column=2, value=yes_no[0] if column.required else yes_no[1])
        notes.cell(row=row_index, column=3, value=str(column.help) or None).alignment = Alignment(wrap_text=True)
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading the upload ----------------------------------------------------


def read_upload(file: bytes | BinaryIO, *, max_bytes: int) -> bytes:
    """The uploaded file's bytes, refused past ``max_bytes`` without reading further."""
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise _too_large(max_bytes)
        if hasattr(file, "seek"):
            file.seek(0)
        # One byte past the limit tells "too big" without reading a huge file.
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data.strip():
        raise ServiceError("file_empty", _("The file is empty."))
    return data


def _too_large(max_bytes: int) -> ServiceError:
    return ServiceError(
        "file_too_large",
        _("The file is larger than %(size)s MB. Split it into smaller files.") % {"size": _format_megabytes(max_bytes)},
    )


def _format_megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"


def _detect_format(data: bytes, filename: str) -> str:
    extension = PurePath(filename or "").suffix.lower()
    if data.startswith(ZIP_MAGIC):
        # Content decides: a workbook renamed to .csv is still a workbook,
        # and the guarded reader refuses zips that are not one (.docx, .ods).
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        raise ServiceError(
            "xls_not_supported",
            _(
                "Old Excel 97–2003 files (.xls) cannot be read. Open the file in Excel and save it "
                "as an Excel Workbook (.xlsx), then upload it again."
            ),
        )
    if extension in XLSX_EXTENSIONS:
        raise ServiceError("unreadable_file", _("The file is named .xlsx but is not an Excel workbook."))
    if extension in CSV_EXTENSIONS and not _looks_binary(data):
        return "csv"
    raise ServiceError(
        "unsupported_format",
        _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
    )


def _looks_binary(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:8192] or data.startswith(b"%PDF")


def _unreadable_workbook() -> ServiceError:
    return ServiceError(
        "unreadable_file",
        _("The file could not be read as an Excel workbook (.xlsx). Open it in Excel and save it again."),
    )


class _WorkbookRows:
    """Context manager over one sheet's rows; closes the read-only workbook."""

    def __init__(self, data: bytes, sheet_name: str, *, max_row: int):
        from openpyxl import load_workbook

        self.sheet_name = sheet_name
        self.max_row = max_row
        try:
            # read_only streams the sheet instead of building it in memory;
            # data_only gives formula results, which is what the person sees.
            self.workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:
            # openpyxl lets zipfile, KeyError, XML and its own errors through
            # on a damaged or foreign file; each means the same to the person.
            raise _unreadable_workbook() from error

    def __enter__(self) -> Iterator[list[object]]:
        worksheet = self.workbook[self.sheet_name] if self.sheet_name in self.workbook.sheetnames else None
        if worksheet is None or not hasattr(worksheet, "iter_rows"):
            self.workbook.close()
            raise ServiceError("file_empty", _("The workbook has no sheet to read."))
        # The dimension some programs write is wrong (often "A1"); without
        # it openpyxl returns each row as long as it really is.
        worksheet.reset_dimensions()
        return self._rows(worksheet)

    def _rows(self, worksheet) -> Iterator[list[object]]:
        try:
            # Bounded both ways: columns past MAX_COLUMNS are never built,
            # and openpyxl stops after the last row the reader may look at.
            for row in worksheet.iter_rows(max_col=MAX_COLUMNS, max_row=self.max_row, values_only=True):
                yield list(row)
        except Exception as error:
            # The sheet XML is parsed lazily, so damage shows up here.
            raise _unreadable_workbook() from error

    def __exit__(self, *exc_info) -> None:
        self.workbook.close()


def _decode_csv(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export.
        candidates = ["utf-16"]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    if candidates == ["utf-8"]:
        return _decode_8bit(data)
    raise ServiceError(
        "csv_encoding",
        _("The CSV file's text encoding is not recognised. Save it from Excel as “CSV UTF-8” and upload it again."),
    )


def _decode_8bit(data: bytes) -> tuple[str, str]:
    """An 8-bit CSV: Windows-1258 (Vietnamese Windows without "UTF-8" ticked), or a legacy font's bytes.

    Both use every byte, so the words decide: text typed in TCVN3 or VNI
    reads as Vietnamese only through its font's table, Windows-1258 text as
    it decodes. The legacy bytes are kept as Windows-1252 characters, as
    Excel shows them, for the importer to offer their repair.
    """
    readings = {}
    for encoding in ("cp1258", "cp1252"):
        try:
            readings[encoding] = nfc(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    if not readings:
        raise ServiceError(
            "csv_encoding",
            _("The CSV file's text encoding is not recognised. Save it from Excel as “CSV UTF-8” and upload it again."),
        )
    if "cp1252" in readings and (
        "cp1258" not in readings or legacy_evidence(readings["cp1252"]) > vietnamese_evidence(readings["cp1258"])
    ):
        return readings["cp1252"], "cp1252"
    return readings["cp1258"], "cp1258"


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records most consistently.

    csv.Sniffer guesses badly on Vietnamese headers, which contain commas
    ("Khối, cụm thi đua") even in semicolon-separated files.
    """
    best, best_score = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        try:
            records = [r for r in _take(csv.reader(io.StringIO(text), delimiter=delimiter), 50) if any(r)][:20]
        except csv.Error:
            continue
        if not records:
            continue
        widths = Counter(len(record) for record in records)
        width, agreeing = max(widths.items(), key=lambda item: (item[1], item[0]))
        if width < 2:
            continue
        score = (agreeing, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _take(iterator: Iterator[list[str]], count: int) -> list[list[str]]:
    taken = []
    for record in iterator:
        taken.append(record)
        if len(taken) >= count:
            break
    return taken


def _csv_rows(text: str, delimiter: str) -> Iterator[list[object]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            yield record[:MAX_COLUMNS]
    except csv.Error as error:
        raise ServiceError(
            "unreadable_file",
            _("The CSV file could not be read near row %(row)d: %(error)s") % {"row": reader.line_num, "error": error},
        ) from error


# --- rows and headers ------------------------------------------------------


def _header_lookup(columns: Sequence[Column]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in columns:
        for header in column.headers:
            key = normalise_header(header)
            if lookup.get(key, column.key) != column.key:
                raise ValueError(f"header {header!r} is declared for {lookup[key]!r} and {column.key!r}")
            lookup[key] = column.key
    return lookup


def _header_key(text: str, lookup: dict[str, str]) -> str | None:
    """The column a header names: as typed, else as typed in a legacy font.

    Only matched, never converted: "Ghi chú" is the notes column whatever
    a TCVN3 reading of it says, and "Hä vµ tªn" (TCVN3) still names "Họ và tên".
    """
    key = lookup.get(normalise_header(text))
    if key is not None or reads_as_vietnamese(text):
        # A header that is Vietnamese as typed is never read another way.
        return key
    for reading in (from_tcvn3(text), from_vni(text)):
        key = lookup.get(normalise_header(reading))
        if key is not None:
            return key
    return None


def _clean(value: object) -> str:
    return nfc(_cell_text(value)).strip().strip(_INVISIBLE).strip()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Some programs write whole numbers as 12.0; the person typed 12.
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M" if value.second == 0 else "%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")
    return str(value)


def _build_sheet(
    raw_rows: Iterator[list[object]],
    columns: Sequence[Column],
    lookup: dict[str, str],
    *,
    max_rows: int,
    format: str,
) -> Sheet:
    numbered = enumerate(raw_rows, start=1)
    header_number, header_cells = _find_header(numbered, columns, lookup)
    positions, headers, ignored = _map_columns(header_cells, lookup)
    rows = _data_rows(numbered, columns, positions, header_number=header_number, max_rows=max_rows)
    return Sheet(rows=rows, format=format, header_row=header_number, headers=headers, ignored_headers=ignored)


def _find_header(
    numbered: Iterator[tuple[int, list[object]]], columns: Sequence[Column], lookup: dict[str, str]
) -> tuple[int, list[str]]:
    """The header row's number and cells: the first row, among the first few, naming every required column.

    Titles such as "DANH SÁCH ĐƠN VỊ" often sit above it. Without one, the
    best near-miss tells which columns are missing.
    """
    required = {column.key for column in columns if column.required}
    best: tuple[int, list[str], set[str]] | None = None
    for number, raw in numbered:
        cells = [_clean(value) for value in raw]
        if any(cells):
            found = {key for key in (_header_key(cell, lookup) for cell in cells if cell) if key is not None}
            if found and required <= found:
                return number, cells
            if best is None or len(found) > len(best[2]):
                best = (number, cells, found)
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise ServiceError("file_empty", _("The file has no rows."))
    missing = [column.title for column in columns if column.required and column.key not in best[2]]
    if not missing:
        missing = [column.title for column in columns]
    raise ServiceError(
        "missing_columns",
        _("The header row must contain the column(s) %(missing)s. Download the template to see the expected headers.")
        % {"missing": ", ".join(f"“{title}”" for title in missing)},
    )


def _map_columns(header_cells: list[str], lookup: dict[str, str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Column key -> position, column key -> header as written, and the headers no column claims."""
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for position, text in enumerate(header_cells):
        key = _header_key(text, lookup) if text else None
        if key is None:
            if text:
                ignored.append(text)
            continue
        if key in positions:
            raise ServiceError(
                "duplicate_column",
                _("The column “%(header)s” appears twice in the header row.") % {"header": text},
            )
        positions[key] = position
        headers[key] = text
    return positions, headers, ignored


def _scan_limit(header_number: int, max_rows: int) -> int:
    # Blank rows between or after the data are common; this many past the
    # row limit are read before a sheet counts as too big.
    return header_number + max_rows + BLANK_ROW_ALLOWANCE


def _data_rows(
    numbered: Iterator[tuple[int, list[object]]],
    columns: Sequence[Column],
    positions: dict[str, int],
    *,
    header_number: int,
    max_rows: int,
) -> list[Row]:
    """The rows below the header with any value in a known column, at most ``max_rows``."""
    rows: list[Row] = []
    scan_limit = _scan_limit(header_number, max_rows)
    for number, raw in numbered:
        if number > scan_limit:
            raise too_many_rows(max_rows)
        if not raw:
            continue
        values = {column.key: "" for column in columns}
        for key, position in positions.items():
            if position < len(raw):
                values[key] = _clean(raw[position])
        if not any(values.values()):
            continue
        if len(rows) >= max_rows:
            raise too_many_rows(max_rows)
        rows.append(Row(number=number, values=values))
    return rows
