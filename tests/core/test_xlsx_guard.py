"""The guarded reader refuses workbooks that would cost too much, before openpyxl parses them."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from core.errors import ServiceError
from core.spreadsheets import Column, read_spreadsheet
from core.xlsx_guard import EXCEL_CELL_CHARS, Limits, inspect_workbook

COLUMNS = (Column("code", ("Mã",), required=True), Column("name", ("Tên",), required=True))
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(rows=(("Mã", "Tên"), ("A", "Một"))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, parts: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook with some parts replaced or added, as a crafted upload would be."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.pop(info.filename, None) or source.read(info))
        for name, content in parts.items():
            target.writestr(name, content)
    return buffer.getvalue()


def sheet_xml(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def inline_row(number: int, *values: str) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def refused(data: bytes, code: str, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        if kwargs:
            inspect_workbook(data, max_rows=kwargs.pop("max_rows", 100), row_allowance=0, **kwargs)
        else:
            read_spreadsheet(data, filename="a.xlsx", columns=COLUMNS)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_a_plain_workbook_passes_and_names_its_sheet():
    assert inspect_workbook(workbook(), max_rows=10, row_allowance=0) == "Sheet"


def test_the_active_sheet_is_the_one_read():
    book = Workbook()
    book.active.append(["not", "this"])
    second = book.create_sheet("Đơn vị")
    second.append(["Mã", "Tên"])
    second.append(["B", "Hai"])
    book.active = 1
    buffer = io.BytesIO()
    book.save(buffer)
    assert inspect_workbook(buffer.getvalue(), max_rows=10, row_allowance=0) == "Đơn vị"
    rows = read_spreadsheet(buffer.getvalue(), filename="a.xlsx", columns=COLUMNS).rows
    assert [row.values for row in rows] == [{"code": "B", "name": "Hai"}]


def test_one_huge_string_is_refused_by_its_compression_ratio():
    # 101 KB on disk, 100 MB unpacked was the report; 8 MB shows the same shape here.
    bomb = rewrite(workbook(), {SHEET: sheet_xml(inline_row(1, "Mã", "Tên") + inline_row(2, "A", "x" * (8 << 20)))})
    assert len(bomb) < 100_000
    error = refused(bomb, "workbook_compression")
    assert "100" in error.message


def test_declared_unpacked_size_is_capped():
    # Stored, not deflated: the ratio is 1, only the declared size tells.
    big = rewrite(workbook(), {"xl/media/padding.bin": b"\0" * (2 << 20)}, compression=zipfile.ZIP_STORED)
    refused(big, "workbook_too_large", limits=Limits(uncompressed=1 << 20))


def with_shared_strings(data: bytes, strings: list[str]) -> bytes:
    """The workbook with a shared strings part, declared where openpyxl looks for it (the content types)."""
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
    override = f'<Override PartName="/{STRINGS}" ContentType="{STRINGS_TYPE}"/>'
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return rewrite(
        data,
        {
            "[Content_Types].xml": types.replace("</Types>", override + "</Types>").encode(),
            STRINGS: f'<sst xmlns="{MAIN}" uniqueCount="{len(strings)}">{items}</sst>'.encode(),
            SHEET: sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
                             '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'),
        },
    )  # fmt: skip


def test_too_many_shared_strings_are_refused_before_openpyxl_loads_them():
    data = with_shared_strings(workbook(), ["Mã", "Tên", "A", "Một", *map(str, range(7))])
    refused(data, "too_many_strings", limits=Limits(shared_strings=10))
    inspect_workbook(data, max_rows=10, row_allowance=0, limits=Limits(shared_strings=11))
    # The same part is the one openpyxl reads.
    sheet = read_spreadsheet(data, filename="a.xlsx", columns=COLUMNS)
    assert [row.values for row in sheet.rows] == [{"code": "A", "name": "Một"}]


def test_a_shared_string_longer_than_excel_allows_is_refused():
    refused(with_shared_strings(workbook(), ["Mã", "Tên", "A", "x" * (EXCEL_CELL_CHARS + 1)]), "cell_too_long")


def test_a_cell_longer_than_excel_allows_is_refused():
    data = rewrite(workbook(), {SHEET: sheet_xml(inline_row(1, "Mã", "x" * (EXCEL_CELL_CHARS + 1)))})
    refused(data, "cell_too_long", limits=Limits())


def test_rows_are_counted_as_the_xml_holds_them():
    many = "".join(inline_row(n, "A", "B") for n in range(1, 12))
    refused(rewrite(workbook(), {SHEET: sheet_xml(many)}), "too_many_rows", max_rows=10, limits=Limits())
    # One row numbered past the limit would make openpyxl yield every row before it.
    far = inline_row(1, "Mã", "Tên") + inline_row(1_048_576, "A", "B")
    refused(rewrite(workbook(), {SHEET: sheet_xml(far)}), "too_many_rows", max_rows=10, limits=Limits())


def test_too_many_cells_in_a_row_are_refused():
    wide = inline_row(1, *["x"] * 21)
    refused(rewrite(workbook(), {SHEET: sheet_xml(wide)}), "too_many_columns", limits=Limits(cells_per_row=20))


def test_too_many_cells_in_all_are_refused():
    data = rewrite(workbook(), {SHEET: sheet_xml("".join(inline_row(n, *["x"] * 10) for n in range(1, 4)))})
    refused(data, "too_many_cells", limits=Limits(cells=29))
    inspect_workbook(data, max_rows=10, row_allowance=0, limits=Limits(cells=30))


def test_columns_past_the_hundredth_are_never_built():
    data = rewrite(
        workbook(),
        {SHEET: sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>Mã</t></is></c><c r="B1" t="inlineStr">'
                          '<is><t>Tên</t></is></c><c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>'
                          '<row r="2"><c r="A2" t="inlineStr"><is><t>A</t></is></c><c r="B2" t="inlineStr">'
                          '<is><t>Một</t></is></c></row>')},
    )  # fmt: skip
    sheet = read_spreadsheet(data, filename="a.xlsx", columns=COLUMNS)
    assert [row.values for row in sheet.rows] == [{"code": "A", "name": "Một"}]


@pytest.mark.parametrize(
    "part",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet xmlns="' + MAIN.encode() + b'"/>',
        b"<worksheet><sheetData><row>",
        b"not xml at all",
    ],
    ids=["entities", "truncated", "garbage"],
)
def test_damaged_or_hostile_xml_is_unreadable(part):
    refused(rewrite(workbook(), {SHEET: part}), "unreadable_file")


def damaged_directory(data: bytes, *, method: int | None = None, flags: int | None = None) -> bytes:
    """The workbook with the sheet's compression method or flags changed in its local and central headers."""
    buffer = bytearray(data)
    name = SHEET.encode()
    for signature, method_at, flags_at, name_at in ((b"PK\x03\x04", 8, 6, 30), (b"PK\x01\x02", 10, 8, 46)):
        start = 0
        while (start := buffer.find(signature, start)) != -1:
            if buffer[start + name_at : start + name_at + len(name)] == name:
                if method is not None:
                    buffer[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
                if flags is not None:
                    buffer[start + flags_at : start + flags_at + 2] = flags.to_bytes(2, "little")
            start += 4
    return bytes(buffer)


@pytest.mark.parametrize(
    "change",
    [{"method": 9}, {"method": 99}, {"flags": 1}],
    ids=["deflate64", "unknown-method", "encrypted"],
)
def test_archives_zipfile_cannot_open_are_unreadable(change):
    # Found by the Hypothesis run: zipfile raises NotImplementedError or RuntimeError for these.
    refused(damaged_directory(workbook(), **change), "unreadable_file")


def test_corrupt_compressed_data_is_unreadable():
    data = workbook()
    start = data.find(SHEET.encode()) + len(SHEET)
    corrupt = data[:start] + bytes(b ^ 0x5A for b in data[start : start + 40]) + data[start + 40 :]
    refused(corrupt, "unreadable_file")


def test_a_missing_sheet_part_is_unreadable():
    source = zipfile.ZipFile(io.BytesIO(workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info))
    refused(buffer.getvalue(), "unreadable_file")
