import codecs
import datetime as dt
import io
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.errors import ServiceError
from core.spreadsheets import Column, build_template, normalise_header, read_spreadsheet

COLUMNS = (
    Column("code", ("Mã đơn vị", "Mã"), required=True, example="BTTTT", width=18),
    Column("name", ("Tên đơn vị",), required=True, example="Bộ Thông tin và Truyền thông", width=40),
    Column("cluster", ("Khối, cụm thi đua",), example="Khối các cơ quan"),
)

NAME = "Sở Thông tin và Truyền thông Đà Nẵng"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows, delimiter=",") -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def cp1258(text: str) -> bytes:
    """Encode like Vietnamese Windows: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and char not in tones:
            out[-1] = unicodedata.normalize("NFC", out[-1] + char)
        else:
            out.append(char)
    return "".join(out).encode("cp1258")


def read(data, filename="don-vi.csv", **kwargs):
    return read_spreadsheet(data, filename=filename, columns=COLUMNS, **kwargs)


@pytest.mark.parametrize(
    "header",
    ["Mã đơn vị", "ma don vi", "MÃ ĐƠN VỊ", "Ma Don Vi", "  Mã   đơn vị * ", "MÃ  ĐƠN VỊ:", "Mã"],
)
def test_headers_match_in_any_accent_and_case_form(header):
    sheet = read(xlsx([[header, "TÊN ĐƠN VỊ"], ["BTTTT", "Bộ Thông tin và Truyền thông"]]), filename="a.xlsx")
    assert sheet.rows[0].values["code"] == "BTTTT"
    assert sheet.headers["code"] == header.strip()
    assert sheet.has_column("code")
    assert not sheet.has_column("cluster")
    assert sheet.rows[0].values["cluster"] == ""


def test_normalise_header_folds_accents_case_and_punctuation():
    assert normalise_header("Khối, cụm thi đua") == normalise_header("KHOI CUM THI DUA") == "khoi cum thi dua"
    assert normalise_header("Khối/cụm thi đua") == "khoi cum thi dua"


def test_missing_required_header_names_it():
    with pytest.raises(ServiceError) as caught:
        read(csv_text([["Mã đơn vị", "Tên"], ["BTTTT", "Bộ"]]).encode())
    assert caught.value.code == "missing_columns"
    assert "“Tên đơn vị”" in caught.value.message
    assert "Mã đơn vị" not in caught.value.message


def test_header_below_a_title_row_is_found_and_rows_keep_excel_numbers():
    data = xlsx(
        [
            ["DANH SÁCH ĐƠN VỊ"],
            [],
            ["STT", "Mã đơn vị", "Tên đơn vị", "Ghi chú"],
            [1, "BTTTT", "Bộ Thông tin và Truyền thông"],
            [None, None, None],
            [2, "STTTT-DNG", NAME, "x"],
            [3],  # only the row number typed: nothing to import
        ]
    )
    sheet = read(data, filename="a.xlsx")
    assert sheet.header_row == 3
    assert [(row.number, row["code"]) for row in sheet.rows] == [(4, "BTTTT"), (6, "STTTT-DNG")]
    assert sheet.ignored_headers == ["STT", "Ghi chú"]


def test_blank_rows_are_ignored_and_numbering_follows_the_sheet():
    text = csv_text([["Mã đơn vị", "Tên đơn vị"], ["A", "Một"], ["", ""], [], ["  ", " "], ["B", "Hai"]])
    sheet = read(text.encode())
    assert [(row.number, row["code"]) for row in sheet.rows] == [(2, "A"), (6, "B")]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (csv_text([["Mã đơn vị", "Tên đơn vị"], ["STTTT-DNG", NAME]]).encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + csv_text([["Mã đơn vị", "Tên đơn vị"], ["STTTT-DNG", NAME]]).encode("utf-8"), "utf-8-sig"),
        (cp1258(csv_text([["Mã đơn vị", "Tên đơn vị"], ["STTTT-DNG", NAME]])), "cp1258"),
        (csv_text([["Mã đơn vị", "Tên đơn vị"], ["STTTT-DNG", NAME]], delimiter="\t").encode("utf-16"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1258", "utf-16"],
)
def test_csv_encodings_are_detected_and_recorded(data, encoding):
    sheet = read(data)
    assert sheet.encoding == encoding
    assert sheet.format == "csv"
    assert sheet.headers["code"] == "Mã đơn vị"
    assert sheet.rows[0]["name"] == NAME
    assert unicodedata.is_normalized("NFC", sheet.rows[0]["name"])


def test_cp1258_really_differs_from_utf8():
    # Guards the test above: the cp1258 bytes must not be valid UTF-8.
    with pytest.raises(UnicodeDecodeError):
        cp1258(NAME).decode("utf-8")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed_even_with_commas_in_headers(delimiter):
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Khối, cụm thi đua"],
        ["BTTTT", "Bộ Thông tin và Truyền thông", "Khối Bộ, ngành"],
        ["STTTT-DNG", NAME, ""],
    ]
    # Semicolon and tab files unquoted, as Excel writes them.
    text = csv_text(rows) if delimiter == "," else "\r\n".join(delimiter.join(row) for row in rows)
    sheet = read(text.encode())
    assert sheet.delimiter == delimiter
    assert [row["cluster"] for row in sheet.rows] == ["Khối Bộ, ngành", ""]
    assert sheet.rows[1]["name"] == NAME


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row():
    text = "sep=;\r\nMã đơn vị;Tên đơn vị;Khối, cụm thi đua\r\nA;Một, hai;\r\n"
    sheet = read(text.encode())
    assert sheet.delimiter == ";"
    assert sheet.header_row == 1
    assert [(row.number, row["name"]) for row in sheet.rows] == [(2, "Một, hai")]


def test_xlsx_cells_become_text():
    data = xlsx(
        [
            ["Mã đơn vị", "Tên đơn vị", "Khối, cụm thi đua"],
            [1001, "  Một  ", dt.datetime(2015, 8, 24)],
            [12.5, "Hai", dt.datetime(2015, 8, 24, 7, 30)],
        ]
    )
    sheet = read(data, filename="a.xlsx")
    assert sheet.format == "xlsx"
    assert sheet.encoding is None
    assert [row.values for row in sheet.rows] == [
        {"code": "1001", "name": "Một", "cluster": "24/08/2015"},
        {"code": "12.5", "name": "Hai", "cluster": "24/08/2015 07:30"},
    ]


def test_decomposed_accents_become_nfc():
    decomposed = unicodedata.normalize("NFD", NAME)
    assert decomposed != NAME
    for data, filename in [
        (xlsx([["Mã đơn vị", "Tên đơn vị"], ["X", decomposed]]), "a.xlsx"),
        (csv_text([["Mã đơn vị", "Tên đơn vị"], ["X", decomposed]]).encode(), "a.csv"),
    ]:
        assert read(data, filename=filename).rows[0]["name"] == NAME


def test_decomposed_headers_match():
    header = unicodedata.normalize("NFD", "Tên đơn vị")
    sheet = read(csv_text([["Mã đơn vị", header], ["X", "Y"]]).encode())
    assert sheet.rows[0]["name"] == "Y"


def test_invisible_characters_are_stripped():
    sheet = read(csv_text([["Mã đơn vị", "Tên đơn vị"], ["\u200bBTTTT\ufeff", "\xa0Bộ\xa0"]]).encode())
    assert sheet.rows[0].values == {"code": "BTTTT", "name": "Bộ", "cluster": ""}


def test_workbook_content_wins_over_a_wrong_extension():
    sheet = read(xlsx([["Mã đơn vị", "Tên đơn vị"], ["X", "Y"]]), filename="don-vi.csv")
    assert sheet.format == "xlsx"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "don-vi.pdf", "unsupported_format"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj", "don-vi.csv", "unsupported_format"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "anh.csv", "unsupported_format"),
        (b"Ma don vi,Ten don vi\nA,B\n", "don-vi.docx", "unsupported_format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "don-vi.xls", "xls_not_supported"),
        (b"Ma don vi,Ten don vi\nA,B\n", "don-vi.xlsx", "unreadable_file"),
        (b"", "don-vi.csv", "file_empty"),
        (b"   \r\n", "don-vi.csv", "file_empty"),
    ],
)
def test_non_spreadsheets_are_refused(data, filename, code):
    with pytest.raises(ServiceError) as caught:
        read(data, filename=filename)
    assert caught.value.code == code
    assert caught.value.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ServiceError) as caught:
        read(buffer.getvalue(), filename="don-vi.xlsx")
    assert caught.value.code == "unreadable_file"


def test_undecodable_csv_is_refused():
    # 0x81 is undefined in Windows-1258 and invalid UTF-8.
    with pytest.raises(ServiceError) as caught:
        read(b"Ma don vi,Ten don vi\nA,\x81\n")
    assert caught.value.code == "csv_encoding"


def test_oversized_upload_is_refused_before_reading():
    data = csv_text([["Mã đơn vị", "Tên đơn vị"]] + [["X", "Y" * 100]] * 50).encode()
    with pytest.raises(ServiceError) as caught:
        read(data, max_bytes=1024)
    assert caught.value.code == "file_too_large"
    upload = SimpleUploadedFile("don-vi.csv", data)
    with pytest.raises(ServiceError) as caught:
        read(upload, max_bytes=1024)
    assert caught.value.code == "file_too_large"

    class Unsized(io.BytesIO):
        pass

    with pytest.raises(ServiceError) as caught:
        read(Unsized(data), max_bytes=1024)
    assert caught.value.code == "file_too_large"
    assert len(read(data, max_bytes=len(data)).rows) == 50


def test_uploaded_file_objects_are_read_from_the_start():
    upload = SimpleUploadedFile("don-vi.xlsx", xlsx([["Mã đơn vị", "Tên đơn vị"], ["X", "Y"]]))
    upload.read(10)
    assert read(upload, filename=upload.name).rows[0]["code"] == "X"


def test_too_many_rows_are_refused():
    rows = [["Mã đơn vị", "Tên đơn vị"]] + [[f"U{i}", "Tên"] for i in range(11)]
    with pytest.raises(ServiceError) as caught:
        read(xlsx(rows), filename="a.xlsx", max_rows=10)
    assert caught.value.code == "too_many_rows"
    assert len(read(xlsx(rows), filename="a.xlsx", max_rows=11).rows) == 11


def test_duplicate_header_is_refused():
    with pytest.raises(ServiceError) as caught:
        read(csv_text([["Mã đơn vị", "Tên đơn vị", "MA DON VI"], ["A", "B", "C"]]).encode())
    assert caught.value.code == "duplicate_column"


def test_cells_come_back_as_typed_and_legacy_headers_match_without_being_changed():
    # A file typed with .VnTime (TCVN3): the reader matches its headers but
    # changes no cell; repairing text is the importer's, after showing it.
    data = csv_text([["M· ®¬n vÞ", "Tªn ®¬n vÞ"], ["X", "Së Th«ng tin"]]).encode("cp1252")
    sheet = read(data)
    assert sheet.encoding == "cp1252"
    assert sheet.headers == {"code": "M· ®¬n vÞ", "name": "Tªn ®¬n vÞ"}
    assert sheet.rows[0]["name"] == "Së Th«ng tin"


def test_a_correct_header_is_never_read_as_legacy_text():
    # "Ghi chú" read as TCVN3 is "Ghi chỳ", which names nothing: the notes
    # column of the template must still be found.
    columns = (*COLUMNS, Column("notes", ("Ghi chú",)))
    sheet = read_spreadsheet(
        xlsx([["Mã đơn vị", "Tên đơn vị", "Ghi chú"], ["X", "Tô Lâm", "chú ý"]]), filename="a.xlsx", columns=columns
    )
    assert sheet.headers["notes"] == "Ghi chú"
    assert sheet.rows[0].values == {"code": "X", "name": "Tô Lâm", "cluster": "", "notes": "chú ý"}


def test_a_vietnamese_header_is_never_matched_through_a_legacy_reading():
    # "Tô Lâm" is TCVN3 for "Tụ Lõm"; typed in Unicode it names no column.
    columns = (*COLUMNS, Column("other", ("Tụ Lõm",)))
    sheet = read_spreadsheet(
        csv_text([["Mã đơn vị", "Tên đơn vị", "Tô Lâm"], ["X", "Y", "Z"]]).encode(), filename="a.csv", columns=columns
    )
    assert "other" not in sheet.headers and sheet.ignored_headers == ["Tô Lâm"]


def test_windows_1258_csv_decodes_to_nfc():
    data = cp1258("Mã đơn vị,Tên đơn vị\r\nX,Nguyễn Văn Ánh\r\n")
    assert b"\xde" in data  # ễ is stored as ê + a combining tilde
    sheet = read(data)
    assert sheet.encoding == "cp1258"
    assert sheet.rows[0]["name"] == "Nguyễn Văn Ánh"
    assert unicodedata.is_normalized("NFC", sheet.rows[0]["name"])


def test_column_spec_rejects_ambiguous_headers():
    columns = (Column("a", ("Mã",)), Column("b", ("MA",)))
    with pytest.raises(ValueError, match="declared for"):
        read_spreadsheet(b"Ma\nx\n", filename="a.csv", columns=columns)


def test_template_has_bold_headers_widths_and_an_example_that_reads_back():
    data = build_template(COLUMNS)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert workbook.active.title == sheet.title
    assert [cell.value for cell in sheet[1]] == ["Mã đơn vị", "Tên đơn vị", "Khối, cụm thi đua"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == 40
    assert [cell.value for cell in sheet[2]] == ["BTTTT", "Bộ Thông tin và Truyền thông", "Khối các cơ quan"]
    assert workbook.worksheets[1]["B2"].value == "Có"  # the notes sheet: "Mã đơn vị" is required

    sheet = read(data, filename="mau.xlsx")
    assert [row.values for row in sheet.rows] == [
        {"code": "BTTTT", "name": "Bộ Thông tin và Truyền thông", "cluster": "Khối các cơ quan"}
    ]


def test_template_with_several_example_rows():
    data = build_template(COLUMNS, example_rows=[{"code": "A", "name": "Một"}, {"code": "B", "name": "Hai"}])
    assert [row["code"] for row in read(data, filename="mau.xlsx").rows] == ["A", "B"]


# --- writing: stream_xlsx -----------------------------------------------------------


def _written(sheets) -> bytes:
    from core.spreadsheets import stream_xlsx

    return b"".join(stream_xlsx(sheets))


def test_the_streamed_workbook_has_typed_cells_a_frozen_header_and_a_filter(settings):
    from django.utils import timezone

    from core.spreadsheets import SheetSpec

    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    aware = dt.datetime(2025, 3, 4, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hà Nội
    with timezone.override("Asia/Ho_Chi_Minh"):
        data = _written(
            [
                SheetSpec(
                    "Điểm danh",
                    iter(
                        [
                            ["STT", "Họ và tên", "Ngày", "Lúc", "Giờ", "Điểm", "Đạt"],
                            [1, "Nguyễn Văn An", dt.date(2025, 3, 4), aware, dt.time(7, 45), 8.5, True],
                            [2, "=1+2", None, None, None, Decimal("9.25"), False],
                            [3, "@SUM(A1)", "", "", "", 10, None],
                        ]
                    ),
                    widths=(6, 30),
                    freeze="C2",
                )
            ]
        )
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Điểm danh"]
    assert [cell.value for cell in sheet[1]] == ["STT", "Họ và tên", "Ngày", "Lúc", "Giờ", "Điểm", "Đạt"]
    assert all(cell.font.b for cell in sheet[1]) and not sheet["B2"].font.b
    assert sheet["A2"].value == 1 and sheet["A2"].data_type == "n"
    assert sheet["F2"].value == 8.5 and sheet["F3"].value == 9.25
    assert sheet["G2"].value is True and sheet["G3"].value is False and sheet["G2"].data_type == "b"
    # Dates and times are real cells with a display format, local time for an aware datetime.
    assert sheet["C2"].value == dt.datetime(2025, 3, 4) and sheet["C2"].is_date
    assert sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["D2"].value == dt.datetime(2025, 3, 4, 8, 30) and sheet["D2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["E2"].value == dt.time(7, 45) and sheet["E2"].number_format == "hh:mm"
    # A text that looks like a formula is a text cell, shown as typed, never a formula.
    assert sheet["B3"].value == "=1+2" and sheet["B3"].data_type == "s"
    assert sheet["B4"].value == "@SUM(A1)" and sheet["B4"].data_type == "s"
    assert sheet["B3"].quotePrefix and not sheet["B2"].quotePrefix
    # Empty values leave no cell.
    assert sheet["C3"].value is None and sheet["C4"].value is None
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:G4"
    assert sheet.column_dimensions["A"].width == 6 and sheet.column_dimensions["B"].width == 30
    # openpyxl would load a formula as data_type "f": no cell anywhere is one.
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
        assert b"_xlnm._FilterDatabase" in archive.read("xl/workbook.xml")


def test_the_header_row_can_sit_under_a_title_and_the_filter_can_be_left_off():
    from core.spreadsheets import SheetSpec

    data = _written(
        [
            SheetSpec(
                "Theo đơn vị", [["Khoá học"], ["Đơn vị", "Ghi danh"], ["Hà Nội", 3]], header_row=2, autofilter=False
            ),
            SheetSpec("Trống", [], header_row=None),
        ]
    )
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Theo đơn vị"]
    assert sheet["A1"].font.b and sheet["B2"].font.b and not sheet["A3"].font.b
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref is None
    assert workbook["Trống"].max_row == 1 and workbook["Trống"]["A1"].value is None
    assert workbook["Trống"].freeze_panes is None


def test_sheet_names_follow_excels_rules():
    from core.spreadsheets import SheetSpec

    long = "Danh sách học viên đã hoàn thành khoá bồi dưỡng"
    data = _written([SheetSpec("Báo cáo [2025]/quý: I?", [["a"]]), SheetSpec(long, [["b"]]), SheetSpec(long, [["c"]])])
    names = load_workbook(io.BytesIO(data)).sheetnames
    assert names[0] == "Báo cáo  2025  quý  I"
    assert len(names[1]) == len(names[2]) == 31 and names[1] != names[2] and names[2].endswith("(2)")


def test_control_characters_and_markup_in_text_are_written_safely():
    from core.spreadsheets import SheetSpec

    data = _written([SheetSpec("Tên", [["Tên"], ['A & B <Sở>\x07 "Hà Nội"']])])
    assert load_workbook(io.BytesIO(data))["Tên"]["A2"].value == 'A & B <Sở> "Hà Nội"'


def test_the_workbook_streams_as_its_rows_come():
    from core.spreadsheets import FLUSH_EVERY, SheetSpec, stream_xlsx

    consumed = []

    def rows():
        yield ["Số", "Công thức"]
        for number in range(1, 1200):
            consumed.append(number)
            yield [number, f"=HYPERLINK(x{number})"]

    stream = stream_xlsx([SheetSpec("Danh sách", rows())])
    first = next(stream)
    # The package's parts go out before a single row has been read.
    assert first.startswith(b"PK") and consumed == []
    second = next(stream)
    assert second and len(consumed) < FLUSH_EVERY + 1  # handed on after the first few hundred rows
    chunks = [first, second, *stream]
    assert len(chunks) > 3
    sheet = load_workbook(io.BytesIO(b"".join(chunks)))["Danh sách"]
    assert sheet.max_row == 1200 and sheet["B2"].value == "=HYPERLINK(x1)" and sheet["B2"].data_type == "s"
