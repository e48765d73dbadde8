"""Reading uploaded spreadsheets (XLSX or CSV) into rows keyed by a column spec; writing exports as a stream.

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
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils import timezone
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


# --- writing: a workbook streamed as its rows come ---------------------------------
#
# Exports of national size (15,000 people in a course report, 20,000 delegates
# at a conference) are written row by row into a deflated ZIP and handed to a
# StreamingHttpResponse in chunks: the download starts at once and memory stays
# flat. openpyxl's write-only mode builds the whole file before the first byte
# and, without lxml, spends about 0.2 ms on a row of eleven cells; this writer
# needs a tenth of that. Only what exports use is written (SpreadsheetML,
# ECMA-376 Part 1 §18): inline strings (no shared string table to hold until
# the end), a bold header, frozen panes, an autofilter, column widths, and
# numbers, booleans, dates and times as real cells with a display format.

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_CELL_TEXT = 32767  # Excel's limit; a longer text makes it "repair" the file
FLUSH_EVERY = 500  # rows between chunks handed to the response
_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of the 1900 date system, past Excel's 1900 leap-year bug

# Cell formats, one per kind of value; each also in bold (the header). Custom
# number formats start at id 164 (ECMA-376 §18.8.30 reserves the ones below).
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TIME_FORMAT = "hh:mm"
_KINDS = ("general", "text", "date", "datetime", "time")
_NUMBER_FORMATS = {"date": (164, DATE_FORMAT), "datetime": (165, DATETIME_FORMAT), "time": (166, TIME_FORMAT)}


def _styles_xml() -> str:
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{code}"/>' for i, code in _NUMBER_FORMATS.values())
    xfs = []
    for bold in (0, 1):
        for kind in _KINDS:
            number = _NUMBER_FORMATS[kind][0] if kind in _NUMBER_FORMATS else 0
            attributes = f'numFmtId="{number}" fontId="{bold}" fillId="0" borderId="0" xfId="0"'
            attributes += ' applyNumberFormat="1"' if number else ""
            attributes += ' applyFont="1"' if bold else ""
            # quotePrefix: Excel shows the text as typed and keeps it text when the cell is edited (§18.8.45).
            attributes += ' quotePrefix="1"' if kind == "text" else ""
            xfs.append(f"<xf {attributes}/>")
    return (
        f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}"><numFmts count="{len(_NUMBER_FORMATS)}">{formats}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
        '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )


def _style(bold: bool, kind: str) -> str:
    index = _KINDS.index(kind) + (len(_KINDS) if bold else 0)
    return f' s="{index}"' if index else ""


@dataclass
class SheetSpec:
    """One sheet to write: its rows (lists of plain values) and how it looks.

    ``header_row`` (1-based; None for none) is bold, the rows above it too
    (titles), and the autofilter spans from it to the last row over as many
    columns as it has. ``freeze`` is the top-left cell that stays scrolling
    ("A2" keeps the header in view, "C2" the first two columns as well);
    by default the row under the header. ``widths`` are in characters, from
    column A. Values: str (always a text cell: a text starting with "=" is
    shown as typed, never run), int, float, Decimal, bool, date, datetime
    (aware ones in the current time zone, since a cell has none), time,
    None or "" for an empty cell.
    """

    name: str
    rows: Iterable[Sequence[object]]
    widths: Sequence[float] = ()
    header_row: int | None = 1
    freeze: str | None = None
    autofilter: bool = True
    bold_rows: Iterable[int] = ()

    def __post_init__(self) -> None:
        if self.freeze is None and self.header_row:
            self.freeze = f"A{self.header_row + 1}"


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_ref(ref: str) -> tuple[int, int]:
    """ "C2" -> (column index 2, row 2)."""
    match = re.fullmatch(r"([A-Z]{1,3})([1-9][0-9]*)", ref)
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return column - 1, int(match.group(2))


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value[:MAX_CELL_TEXT]))


def _cell_xml(ref: str, value: object, bold: bool) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # An inline string is text whatever it starts with: a formula is only ever an <f> element. Text a
        # spreadsheet would take for a formula when retyped is marked with quotePrefix as well.
        kind = "text" if value.startswith(FORMULA_START) else "general"
        return f'<c r="{ref}"{_style(bold, kind)} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{_style(bold, "general")} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float | Decimal) and not math.isfinite(value):  # NaN and infinity are no numbers
            return _cell_xml(ref, str(value), bold)
        return f'<c r="{ref}"{_style(bold, "general")}><v>{value}</v></c>'
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        serial = (value - _EPOCH) / dt.timedelta(days=1)
        return f'<c r="{ref}"{_style(bold, "datetime")}><v>{round(serial, 8)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{_style(bold, "date")}><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{ref}"{_style(bold, "time")}><v>{round(seconds / 86400, 8)}</v></c>'
    return _cell_xml(ref, str(value), bold)


def _row_xml(number: int, values: Sequence[object], *, bold: bool) -> str:
    cells = (_cell_xml(f"{column_letter(index)}{number}", value, bold) for index, value in enumerate(values))
    return f'<row r="{number}">{"".join(cell for cell in cells if cell)}</row>'


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique whatever the case."""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", _NOT_XML.sub("", name)).strip().strip("'")[:31] or "Sheet"
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _sheet_view(freeze: str | None) -> str:
    if not freeze or freeze == "A1":
        return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    column, row = _cell_ref(freeze)
    split = (f' xSplit="{column}"' if column else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
    pane = "bottomRight" if column and row > 1 else "bottomLeft" if row > 1 else "topRight"
    return (
        f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{freeze}" activePane="{pane}" '
        f'state="frozen"/><selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/></sheetView></sheetViews>'
    )


class _Sink:
    """What zipfile writes into, handed on in chunks; no seek, so zipfile streams (data descriptors)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_xlsx(sheets: Iterable[SheetSpec]) -> Iterator[bytes]:
    """An XLSX workbook written as its rows come, in chunks, for a StreamingHttpResponse.

    Each sheet's rows are read once, lazily, while the previous chunk is on
    its way: a queryset's ``.iterator()`` keeps the database's side flat too.
    The workbook part (sheet names, the filters' defined names) goes last,
    when the row counts are known; readers find parts through the ZIP's
    central directory, so the order does not matter to them.
    """
    sheets = list(sheets)
    taken: set[str] = set()
    names = [_sheet_name(sheet.name, taken) for sheet in sheets]
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELS}">{links}<Relationship Id="rId{len(sheets) + 1}" '
            f'Type="{_RELS}/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", _styles_xml())
        yield sink.take()
        filters: list[tuple[int, str]] = []  # (sheet index, range) for the workbook's defined names
        for n, sheet in enumerate(sheets, start=1):
            bold_rows = set(sheet.bold_rows)
            header = sheet.header_row or 0
            columns = 0
            last = 0
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as out:
                cols = "".join(
                    f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                    for i, w in enumerate(sheet.widths, start=1)
                )
                out.write(
                    f'{_XML_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">{_sheet_view(sheet.freeze)}'
                    f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>".encode()
                )
                for number, values in enumerate(sheet.rows, start=1):
                    if number == header:
                        columns = len(values)
                    out.write(_row_xml(number, values, bold=number <= header or number in bold_rows).encode())
                    last = number
                    if number % FLUSH_EVERY == 0:
                        yield sink.take()
                out.write(b"</sheetData>")
                if sheet.autofilter and header and columns and last >= header:
                    ref = f"A{header}:{column_letter(columns - 1)}{last}"
                    out.write(f'<autoFilter ref="{ref}"/>'.encode())
                    filters.append((n - 1, ref))
                out.write(b"</worksheet>")
            yield sink.take()
        sheet_list = "".join(
            f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        # Excel's own name for a sheet's filter range (§18.2.6); it keeps the filter when the file is resaved.
        defined = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
            f"{_quoted_sheet(names[index])}!{_absolute(ref)}</definedName>"
            for index, ref in filters
        )
        archive.writestr(
            "xl/workbook.xml",
            f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>{sheet_list}</sheets>'
            f"{f'<definedNames>{defined}</definedNames>' if defined else ''}</workbook>",
        )
    yield sink.take()


def _quoted_sheet(name: str) -> str:
    return escape("'" + name.replace("'", "''") + "'")


def _absolute(ref: str) -> str:
    """ "A1:K20" -> "$A$1:$K$20"."""
    return ":".join(re.sub(r"([A-Z]+)([0-9]+)", r"$\1$\2", part) for part in ref.split(":"))
