"""Checks an uploaded workbook's shape before openpyxl parses any of it.

An XLSX file is a ZIP of XML parts, and a small upload can unpack into
gigabytes (a 101 KB file holding one 100 MB string) or millions of shared
strings that openpyxl loads eagerly (an 82 KB file took 25 s a request).
Everything here reads the ZIP's directory or streams a part through expat
with handlers that refuse DTDs and entities and keep nothing but counters,
and stops at the first limit passed; the declared sizes are binding
because zipfile stops a member at its declared size (and then fails its
CRC).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from core.errors import ServiceError

MB = 1024 * 1024
# What zipfile raises on a damaged, foreign or encrypted archive: an unknown
# compression method (NotImplementedError), a password (RuntimeError),
# corrupt deflate data (zlib.error), a CRC or a truncation (BadZipFile, EOF).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
)
# Excel's own limit for the text of one cell.
EXCEL_CELL_CHARS = 32_767
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class Limits:
    uncompressed: int = 50 * MB  # all parts together, as declared in the ZIP directory
    ratio: int = 100  # unpacked / packed, for the file and for any part above ``ratio_floor``
    ratio_floor: int = 1 * MB  # small parts (styles, themes) compress well and cost nothing
    members: int = 1000
    part: int = 10 * MB  # any part openpyxl parses whole (workbook, styles, theme...)
    shared_strings: int = 200_000
    shared_strings_bytes: int = 20 * MB
    cells_per_row: int = 1024
    # 10,000 rows of 20 cells. Reading is about openpyxl's cost per cell, so
    # this bounds the time any accepted sheet takes (bench/RESULTS.md).
    cells: int = 200_000


DEFAULT_LIMITS = Limits()


def _unreadable() -> ServiceError:
    return ServiceError(
        "unreadable_file",
        _("The file could not be read as an Excel workbook (.xlsx). Open it in Excel and save it again."),
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def inspect_workbook(data: bytes, *, max_rows: int, row_allowance: int, limits: Limits = DEFAULT_LIMITS) -> str:
    """Refuse a workbook that is too big to read safely; returns the name of the sheet to read.

    The sheet may hold ``max_rows`` rows of data plus ``row_allowance``
    others (titles, blank rows), counted as the XML holds them.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _ZIP_ERRORS as error:
        raise _unreadable() from error
    with archive:
        _check_directory(infos, len(data), limits)
        sheet_name, sheet_path, strings_path = _locate_parts(archive, limits)
        if strings_path is not None:
            _check_shared_strings(archive, strings_path, limits)
        _check_sheet(archive, sheet_path, max_rows, max_rows + row_allowance, limits)
    return sheet_name


def _check_directory(infos: list[zipfile.ZipInfo], packed: int, limits: Limits) -> None:
    if len(infos) > limits.members:
        raise _unreadable()
    total = sum(info.file_size for info in infos)
    if total > limits.uncompressed:
        raise ServiceError(
            "workbook_too_large",
            _(
                "The workbook holds more than %(size)d MB of data once unpacked. "
                "Split it into smaller files, or delete unused sheets, and upload it again."
            )
            % {"size": limits.uncompressed // MB},
        )
    ratios = [total / max(packed, 1)] + [
        info.file_size / max(info.compress_size, 1) for info in infos if info.file_size > limits.ratio_floor
    ]
    if total > limits.ratio_floor and max(ratios) > limits.ratio:
        raise ServiceError(
            "workbook_compression",
            _(
                "The workbook is compressed far more than a spreadsheet normally is (over %(ratio)d times), "
                "so it cannot be read safely. Open it in Excel, save it again and upload it again."
            )
            % {"ratio": limits.ratio},
        )


def _read_part(archive: zipfile.ZipFile, path: str, limits: Limits) -> bytes:
    try:
        info = archive.getinfo(path)
    except KeyError as error:
        raise _unreadable() from error
    if info.file_size > limits.part:
        raise _unreadable()
    try:
        return archive.read(info)
    except _ZIP_ERRORS as error:
        raise _unreadable() from error


def _parse_small(archive: zipfile.ZipFile, path: str, limits: Limits):
    try:
        return fromstring(_read_part(archive, path, limits), forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise _unreadable() from error


def _relationships(archive: zipfile.ZipFile, path: str, limits: Limits) -> dict[str, tuple[str, str]]:
    """Id -> (type, target) of a relationships part; empty when it is missing."""
    if path not in archive.NameToInfo:
        return {}
    root = _parse_small(archive, path, limits)
    return {
        rel.get("Id", ""): (rel.get("Type", ""), rel.get("Target", ""))
        for rel in root
        if _local(rel.tag) == "Relationship"
    }


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


_WORKBOOK_TYPES = tuple(
    f"application/vnd.{kind}.main+xml"
    for kind in (
        "ms-excel.template.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.template",
        "ms-excel.sheet.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.sheet",
    )
)
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _locate_parts(archive: zipfile.ZipFile, limits: Limits) -> tuple[str, str, str | None]:
    """(active sheet's name, its part, the shared strings part or None), found the way openpyxl finds them.

    openpyxl takes the workbook and the shared strings from the content
    types, not from the relationships, so a crafted file cannot hide a part
    from these checks that openpyxl then loads.
    """
    types = _parse_small(archive, "[Content_Types].xml", limits)
    overrides = [(element.get("ContentType", ""), element.get("PartName", "")) for element in types]
    workbook_path = next(
        (name.lstrip("/") for kind in _WORKBOOK_TYPES for content, name in overrides if content == kind),
        "xl/workbook.xml",
    )
    strings = next((name.lstrip("/") for content, name in overrides if content == _SHARED_STRINGS_TYPE), None)
    base_dir = posixpath.dirname(workbook_path)
    rels = _relationships(
        archive, posixpath.join(base_dir, "_rels", posixpath.basename(workbook_path) + ".rels"), limits
    )
    worksheets = {_resolve(base_dir, target) for kind, target in rels.values() if kind.endswith("/worksheet")}
    # Everything openpyxl parses whole must be small; worksheets it streams
    # (the active one is checked below), and media it never opens.
    parsed_whole = (
        info
        for info in archive.infolist()
        if info.filename.endswith((".xml", ".rels")) and info.filename not in worksheets and info.filename != strings
    )
    if any(info.file_size > limits.part for info in parsed_whole):
        raise _unreadable()
    workbook = _parse_small(archive, workbook_path, limits)
    sheets = [element for element in workbook.iter() if _local(element.tag) == "sheet"]
    if not sheets:
        raise ServiceError("file_empty", _("The workbook has no sheet to read."))
    view = next((element for element in workbook.iter() if _local(element.tag) == "workbookView"), None)
    try:
        active = int(view.get("activeTab", "0")) if view is not None else 0
    except ValueError:
        active = 0
    sheet = sheets[active] if 0 <= active < len(sheets) else sheets[0]
    kind, target = rels.get(sheet.get(f"{_REL_NS}id", ""), ("", ""))
    if not kind.endswith("/worksheet"):
        raise ServiceError("file_empty", _("The workbook has no sheet to read."))
    return sheet.get("name", ""), _resolve(base_dir, target), strings


def _scan(archive: zipfile.ZipFile, path: str, on_start) -> None:
    """Feed a part, as it is unpacked, to expat: ``on_start(name, attributes)`` for each element.

    No element objects, no tree: the counting costs one call an element.
    Text is measured as it streams, for the elements that hold a cell's text.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    current = {"name": "", "length": 0}

    def start(name: str, attributes: dict) -> None:
        local = name.rpartition(" ")[2]
        current["name"], current["length"] = local, 0
        on_start(local, attributes)

    def text(data: str) -> None:
        if current["name"] in _TEXT_ELEMENTS:
            current["length"] += len(data)
            if current["length"] > EXCEL_CELL_CHARS:
                raise _cell_too_long()

    def refuse(*args) -> None:
        # OOXML parts have no DTD; one here is an entity bomb or worse.
        raise _unreadable()

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        with archive.open(path) as part:
            while chunk := part.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except KeyError as error:
        raise _unreadable() from error
    except (expat.ExpatError, *_ZIP_ERRORS) as error:
        raise _unreadable() from error


_TEXT_ELEMENTS = frozenset({"t", "v", "f"})


def _check_shared_strings(archive: zipfile.ZipFile, path: str, limits: Limits) -> None:
    info = archive.NameToInfo.get(path)
    if info is None:
        return
    if info.file_size > limits.shared_strings_bytes:
        raise _too_many_strings(limits)
    count = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal count
        if name == "si":
            count += 1
            if count > limits.shared_strings:
                raise _too_many_strings(limits)

    _scan(archive, path, start)


def _check_sheet(archive: zipfile.ZipFile, path: str, max_rows: int, row_limit: int, limits: Limits) -> None:
    rows = cells = total = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal rows, cells, total
        if name == "c":
            cells += 1
            total += 1
            if total > limits.cells:
                raise ServiceError(
                    "too_many_cells",
                    _("The sheet holds more than %(count)s cells. Split it into smaller files.")
                    % {"count": f"{limits.cells:,}".replace(",", ".")},
                )
            if cells > limits.cells_per_row:
                raise ServiceError(
                    "too_many_columns",
                    _("A row of the sheet has more than %(count)d cells. Delete the unused columns and try again.")
                    % {"count": limits.cells_per_row},
                )
        elif name == "row":
            rows += 1
            cells = 0
            number = attributes.get("r", "")
            if rows > row_limit or (number.isdigit() and int(number) > row_limit):
                raise too_many_rows(max_rows)

    _scan(archive, path, start)


def too_many_rows(max_rows: int) -> ServiceError:
    return ServiceError(
        "too_many_rows",
        _("The sheet has more than %(count)d rows. Split it into smaller files, or delete empty rows below the data.")
        % {"count": max_rows},
    )


def _too_many_strings(limits: Limits) -> ServiceError:
    return ServiceError(
        "too_many_strings",
        _("The workbook holds more than %(count)d different texts. Split it into smaller files.")
        % {"count": limits.shared_strings},
    )


def _cell_too_long() -> ServiceError:
    return ServiceError(
        "cell_too_long",
        _("A cell holds more than %(count)d characters, more than Excel allows. Shorten it and try again.")
        % {"count": EXCEL_CELL_CHARS},
    )
