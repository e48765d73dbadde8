"""Bulk registration from XLSX and CSV: encodings, legacy fonts, row errors, refused files."""

import io
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from events.imports import COLUMNS, registration_import_preview
from events.models import EventPage, Registration
from tests.factories import OrgUnitFactory, RegistrationFactory, UserFactory

HEADER = ["Họ và tên", "Email", "Mã đơn vị", "Chức vụ", "Điện thoại", "Ghi chú"]


def _xlsx(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH ĐẠI BIỂU"])  # a title above the header, as units send them
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_text(rows, header=HEADER) -> str:
    return "\r\n".join(",".join(cells) for cells in [header, *rows]) + "\r\n"


def to_cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows saves it: letters with circumflex, breve or horn precomposed, tones combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in marks if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in marks if m not in shape)
        out += unicodedata.normalize("NFC", base + shape).encode("cp1258") + tones.encode("cp1258")
    return out


def _upload(client, event, content: bytes, name: str):
    return client.post(f"/events/manage/{event.pk}/import/", {"file": SimpleUploadedFile(name, content)})


def _confirm(client, event):
    return client.post(f"/events/manage/{event.pk}/import/confirm/")


@pytest.fixture
def units(danang):
    return {"danang": danang, "hue": OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Huế")}


@pytest.fixture
def big_event(event):
    EventPage.objects.filter(pk=event.pk).update(capacity=100)
    event.refresh_from_db()
    return event


def test_xlsx_preview_shows_row_errors_and_conversions_then_saves_only_valid_rows(
    organiser_client, big_event, units, django_capture_on_commit_callbacks, mailoutbox
):
    event = big_event
    RegistrationFactory(event=event, user=UserFactory(email="da.dang.ky@example.vn"))
    rows = [
        ["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "Chuyên viên", "0912 345 678", ""],  # row 3
        ["Ph¹m ThÞ Hoa", "hoa@example.vn", "danang-stttt", "", "", ""],  # row 4: TCVN3
        ["Leâ Nam Thaéng", "thang@example.vn", "HUE-STTTT", "Thöù tröôûng", "", ""],  # row 5: VNI
        ["Trần Thị Bình", "not-an-email", "HUE-STTTT", "", "", ""],  # row 6
        ["Võ Văn Cường", "cuong@example.vn", "KHONG-CO", "", "", ""],  # row 7
        ["Nguyễn Văn An", "AN@example.vn", "DANANG-STTTT", "", "", ""],  # row 8: same email as row 3
        ["Đã Đăng Ký", "da.dang.ky@example.vn", "DANANG-STTTT", "", "", ""],  # row 9: already in the event
        ["", "", "", "", "", ""],  # blank rows are skipped
    ]
    response = _upload(organiser_client, event, _xlsx(rows), "dai-bieu.xlsx")
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 valid row(s), 4 row(s) with errors." in html
    assert "“Ph¹m ThÞ Hoa” → “Phạm Thị Hoa” (TCVN3)" in html
    assert "“Leâ Nam Thaéng” → “Lê Nam Thắng” (VNI)" in html
    assert "“not-an-email” is not a valid email address." in html
    assert "Unknown unit code “KHONG-CO”." in html
    assert "The same email is on row 3." in html
    assert "Already registered for this event." in html
    assert Registration.objects.filter(event=event).count() == 1  # the preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        report = _confirm(organiser_client, event).content.decode()
    saved = dict(Registration.objects.filter(event=event, source="import").values_list("full_name", "org_unit__code"))
    assert saved == {"Nguyễn Văn An": "DANANG-STTTT", "Phạm Thị Hoa": "DANANG-STTTT", "Lê Nam Thắng": "HUE-STTTT"}
    assert Registration.objects.get(full_name="Lê Nam Thắng").position == "Thứ trưởng"
    assert Registration.objects.get(full_name="Nguyễn Văn An").phone == "0912345678"
    for line in ("Row 6:", "Row 7:", "Row 8:", "Row 9:"):
        assert line in report
    assert len(mailoutbox) == 3  # a ticket for each confirmed delegate
    # The preview is used once: confirming again imports nothing more.
    assert (
        "Nothing to import"
        in organiser_client.post(f"/events/manage/{event.pk}/import/confirm/", follow=True).content.decode()
    )
    assert Registration.objects.filter(event=event).count() == 4


@pytest.mark.parametrize(
    ("encode", "encoding_note"),
    [
        (lambda text: text.encode("utf-8"), False),
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), False),
        (lambda text: text.encode("utf-16"), False),
        (to_cp1258, True),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "windows-1258"],
)
def test_csv_encodings_give_the_same_names(organiser_client, big_event, units, encode, encoding_note):
    names = ["Nguyễn Thị Thu Hường", "Đặng Quốc Việt", "Trương Văn Ơn"]
    text = _csv_text(
        [[name, f"dai.bieu{i}@example.vn", "DANANG-STTTT", "Chuyên viên", "", ""] for i, name in enumerate(names)]
    )
    html = _upload(organiser_client, big_event, encode(text), "dai-bieu.csv").content.decode()
    assert "3 valid row(s), 0 row(s) with errors." in html
    assert ("The file was read as Windows-1258." in html) is encoding_note
    _confirm(organiser_client, big_event)
    stored = sorted(Registration.objects.filter(event=big_event).values_list("full_name", flat=True))
    assert stored == sorted(names)
    assert all(unicodedata.is_normalized("NFC", name) for name in stored)


def test_decomposed_names_are_stored_nfc(organiser_client, big_event, units):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    text = _csv_text([[decomposed, "anh@example.vn", "DANANG-STTTT", "", "", ""]])
    _upload(organiser_client, big_event, text.encode("utf-8"), "a.csv")
    _confirm(organiser_client, big_event)
    assert Registration.objects.get(event=big_event).full_name == "Nguyễn Văn Ánh"


def test_semicolon_csv_with_a_wrong_header_is_refused(organiser_client, big_event, units):
    text = "Tên;Địa chỉ thư;Đơn vị công tác\r\nNguyễn Văn An;an@example.vn;DANANG-STTTT\r\n"
    response = _upload(organiser_client, big_event, text.encode("utf-8"), "a.csv")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist"' in html
    assert "The header row must contain the column(s) “Họ và tên”, “Email”, “Mã đơn vị”." in html
    assert "Preview" not in html
    confirm = organiser_client.post(f"/events/manage/{big_event.pk}/import/confirm/", follow=True)
    assert "Nothing to import" in confirm.content.decode()
    assert not Registration.objects.filter(event=big_event).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4\n" + b"x" * 2000, "danh-sach.pdf", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
        (b"%PDF-1.4\n" + b"x" * 2000, "danh-sach.xlsx", "The file is named .xlsx but is not an Excel workbook."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "danh-sach.xls", "Old Excel 97–2003 files (.xls)"),
        (b"PK\x03\x04" + b"\0" * 200, "danh-sach.xlsx", "could not be read as an Excel workbook"),
        (b"", "empty.csv", "The submitted file is empty."),
        (b" \r\n ", "blank.csv", "The file is empty."),
    ],
    ids=["pdf", "pdf-named-xlsx", "xls", "broken-zip", "empty", "blank"],
)
def test_non_spreadsheet_uploads_are_refused_with_a_clear_message(
    organiser_client, big_event, units, content, name, message
):
    html = _upload(organiser_client, big_event, content, name).content.decode()
    assert message in html
    assert not Registration.objects.filter(event=big_event).exists()


def test_a_20_mb_upload_is_refused(organiser_client, big_event, units):
    content = _csv_text([["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""]]).encode()
    content += b"," * (20 * 1024 * 1024)
    html = _upload(organiser_client, big_event, content, "lon.csv").content.decode()
    assert "The file is larger than 5 MB. Split it into smaller files." in html
    assert not Registration.objects.filter(event=big_event).exists()


def test_after_a_refused_file_the_older_preview_cannot_be_confirmed(organiser_client, big_event, units):
    good = _csv_text([["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""]]).encode()
    _upload(organiser_client, big_event, good, "a.csv")
    _upload(organiser_client, big_event, b"%PDF-1.4 xxx", "b.pdf")
    _confirm(organiser_client, big_event)
    assert not Registration.objects.filter(event=big_event).exists()


def test_coordinator_imports_only_their_own_units_people(client, big_event, units, make_staff, enable_totp):
    coordinator = make_staff(Role.COORDINATOR, unit=units["danang"], org_unit=units["danang"])
    enable_totp(coordinator)
    client.force_login(coordinator)
    text = _csv_text(
        [
            ["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""],
            ["Lê Thị Huế", "hue@example.vn", "HUE-STTTT", "", "", ""],
        ]
    )
    html = _upload(client, big_event, text.encode(), "a.csv").content.decode()
    assert "You may not register people of unit “HUE-STTTT”." in html
    _confirm(client, big_event)
    registration = Registration.objects.get(event=big_event)
    assert (registration.full_name, registration.source) == ("Nguyễn Văn An", "coordinator")


def test_template_downloads_and_reads_back_with_its_example_row(organiser_client, big_event, units, organiser):
    response = organiser_client.get(f"/events/manage/{big_event.pk}/import/template.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    preview = registration_import_preview(event=big_event, file=response.content, filename="mau.xlsx", by=organiser)
    assert [row.full_name for row in preview.valid_rows] == ["Nguyễn Văn An"]
    assert [c.title for c in COLUMNS][:3] == HEADER[:3]


def test_preview_query_count_does_not_grow_with_rows(big_event, units, organiser):
    from accounts.models import User

    def count(n):
        rows = [[f"Nguyễn Văn {i}", f"a{i}@example.vn", "DANANG-STTTT", "", "", ""] for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            preview = registration_import_preview(
                event=big_event, file=_csv_text(rows).encode(), filename="a.csv", by=User.objects.get(pk=organiser.pk)
            )
        assert len(preview.valid_rows) == n
        return len(queries)

    assert count(200) == count(5)
