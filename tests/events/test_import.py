"""Bulk registration from XLSX and CSV: encodings, legacy fonts, row errors, refused files."""

import io
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
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


def _confirm(client, event, upload=None, *, convert=None, keep_as_typed=False):
    """Confirm the preview ``upload`` showed, with its ticked rows unless ``convert`` names others."""
    data = {}
    if upload is not None:
        preview = upload.context["preview"]
        data["token"] = upload.context["token"] or ""
        if convert is None:
            convert = [row.number for row in preview.converted_rows if row.convert_by_default]
        data["convert"] = [str(number) for number in convert]
    if keep_as_typed:
        data["keep_as_typed"] = "1"
    return client.post(f"/events/manage/{event.pk}/import/confirm/", data)


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
    assert "2 rows look typed in a legacy Vietnamese font" in html
    assert "“Ph¹m ThÞ Hoa” → “Phạm Thị Hoa” (TCVN3)" in html
    assert "“Leâ Nam Thaéng” → “Lê Nam Thắng” (VNI)" in html
    assert "“not-an-email” is not a valid email address." in html
    assert "Unknown unit code “KHONG-CO”." in html
    assert "The same email is on row 3." in html
    assert "Already registered for this event." in html
    assert Registration.objects.filter(event=event).count() == 1  # the preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        report = _confirm(organiser_client, event, response).content.decode()
    saved = dict(Registration.objects.filter(event=event, source="import").values_list("full_name", "org_unit__code"))
    assert saved == {"Nguyễn Văn An": "DANANG-STTTT", "Phạm Thị Hoa": "DANANG-STTTT", "Lê Nam Thắng": "HUE-STTTT"}
    assert Registration.objects.get(full_name="Lê Nam Thắng").position == "Thứ trưởng"
    assert Registration.objects.get(full_name="Nguyễn Văn An").phone == "0912345678"
    for line in ("Row 6:", "Row 7:", "Row 8:", "Row 9:"):
        assert line in report
    assert "Rows converted from a legacy font: 2" in report
    assert len(mailoutbox) == 3  # a ticket for each confirmed delegate
    # The preview is used once: a second click shows the first result and imports nothing more.
    again = _confirm(organiser_client, event, response).content.decode()
    assert "This import had already been confirmed; nothing more was saved." in again
    assert "Confirmed: 3" in again
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
    upload = _upload(organiser_client, big_event, encode(text), "dai-bieu.csv")
    html = upload.content.decode()
    assert "3 valid row(s), 0 row(s) with errors." in html
    assert ("The file was read as Windows-1258." in html) is encoding_note
    assert "legacy Vietnamese font" not in html
    _confirm(organiser_client, big_event, upload)
    stored = sorted(Registration.objects.filter(event=big_event).values_list("full_name", flat=True))
    assert stored == sorted(names)
    assert all(unicodedata.is_normalized("NFC", name) for name in stored)


def test_decomposed_names_are_stored_nfc(organiser_client, big_event, units):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    text = _csv_text([[decomposed, "anh@example.vn", "DANANG-STTTT", "", "", ""]])
    _confirm(organiser_client, big_event, _upload(organiser_client, big_event, text.encode("utf-8"), "a.csv"))
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


def test_a_confirm_needs_the_previews_own_token(organiser_client, big_event, units, make_staff, enable_totp):
    good = _csv_text([["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""]]).encode()
    upload = _upload(organiser_client, big_event, good, "a.csv")
    token = upload.context["token"]
    url = f"/events/manage/{big_event.pk}/import/confirm/"
    for data in ({}, {"token": "x" * 43}, {"token": token[:-1]}):
        assert "Nothing to import" in organiser_client.post(url, data, follow=True).content.decode()
    # Another organiser cannot confirm a preview they were not shown.
    other = make_staff(Role.ORGANISER)
    enable_totp(other)
    other.organised_events.add(big_event)
    client = Client()
    client.force_login(other)
    response = client.post(url, {"token": token})
    assert (response.status_code, response["Location"]) == (302, f"/events/manage/{big_event.pk}/import/")
    assert not Registration.objects.filter(event=big_event).exists()
    _confirm(organiser_client, big_event, upload)
    assert Registration.objects.filter(event=big_event).count() == 1


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
    upload = _upload(client, big_event, text.encode(), "a.csv")
    assert "You may not register people of unit “HUE-STTTT”." in upload.content.decode()
    _confirm(client, big_event, upload)
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


# --- legacy text: shown, refusable, never applied to correct names ----------------


def test_correct_names_that_look_like_legacy_text_pass_unchanged(organiser_client, big_event, units):
    # Each of these was "converted" into another name before (issue 12).
    rows = [
        ["Tô Lâm", "tolam@example.vn", "DANANG-STTTT", "Phó phòng", "", "Ghi chú của đơn vị"],
        ["Lê Thành Công", "cong@example.vn", "DANANG-STTTT", "", "", ""],
        ["Lâm Hoàng Tú", "tu@example.vn", "DANANG-STTTT", "", "", ""],
    ]
    upload = _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx")
    html = upload.content.decode()
    assert "legacy Vietnamese font" not in html and "→" not in html
    _confirm(organiser_client, big_event, upload)
    saved = dict(Registration.objects.filter(event=big_event).values_list("full_name", "position"))
    assert saved == {"Tô Lâm": "Phó phòng", "Lê Thành Công": "", "Lâm Hoàng Tú": ""}
    # "Ghi chú" is the notes column, matched by folding, not converted into "Ghi chỳ".
    assert Registration.objects.get(full_name="Tô Lâm").notes == "Ghi chú của đơn vị"


def test_conversions_can_be_refused_per_row_or_for_the_whole_file(organiser_client, big_event, units):
    rows = [
        ["Ph¹m ThÞ Hoa", "hoa@example.vn", "DANANG-STTTT", "", "", ""],  # row 3
        ["NguyÔn V¨n B×nh", "binh@example.vn", "DANANG-STTTT", "", "", ""],  # row 4
    ]
    upload = _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx")
    html = upload.content.decode()
    assert "“NguyÔn V¨n B×nh” → “Nguyễn Văn Bình” (TCVN3)" in html
    assert html.count('name="convert"') == 2 and "Register, keeping every text as typed" in html
    _confirm(organiser_client, big_event, upload, convert=[3])
    names = set(Registration.objects.filter(event=big_event).values_list("full_name", flat=True))
    assert names == {"Phạm Thị Hoa", "NguyÔn V¨n B×nh"}

    Registration.objects.filter(event=big_event).delete()
    upload = _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx")
    _confirm(organiser_client, big_event, upload, convert=[3, 4], keep_as_typed=True)
    names = set(Registration.objects.filter(event=big_event).values_list("full_name", flat=True))
    assert names == {"Ph¹m ThÞ Hoa", "NguyÔn V¨n B×nh"}


def test_a_name_correct_as_typed_in_a_legacy_file_is_asked_about_not_converted(organiser_client, big_event, units):
    rows = [
        ["NguyÔn V¨n B×nh", "binh@example.vn", "DANANG-STTTT", "", "", ""],  # row 3: TCVN3
        ["Tô Lâm", "tolam@example.vn", "DANANG-STTTT", "", "", ""],  # row 4: also TCVN3 for "Tụ Lõm"
    ]
    upload = _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx")
    html = upload.content.decode()
    assert "“Tô Lâm” → “Tụ Lõm” (TCVN3) <em>(also correct as typed: you decide)</em>" in html
    assert [row.convert_by_default for row in upload.context["preview"].converted_rows] == [True, False]
    _confirm(organiser_client, big_event, upload)
    assert set(Registration.objects.values_list("full_name", flat=True)) == {"Nguyễn Văn Bình", "Tô Lâm"}


def test_tcvn3_csv_bytes_are_offered_for_repair(organiser_client, big_event, units):
    legacy = "Ph¹m ThÞ Hoa,hoa@example.vn,DANANG-STTTT,Chuyªn viªn,,\r\n".encode("latin-1")
    data = ",".join(HEADER).encode("utf-8").decode("utf-8")
    # A whole 8-bit file: the header typed in the same font.
    header = "Hä vµ tªn,Email,M· ®¬n vÞ,Chøc vô,§iÖn tho¹i,Ghi chó\r\n".encode("latin-1")
    assert data
    upload = _upload(organiser_client, big_event, header + legacy, "a.csv")
    html = upload.content.decode()
    assert "“Ph¹m ThÞ Hoa” → “Phạm Thị Hoa” (TCVN3)" in html
    assert "“Chuyªn viªn” → “Chuyên viên” (TCVN3)" in html
    _confirm(organiser_client, big_event, upload)
    registration = Registration.objects.get(event=big_event)
    assert (registration.full_name, registration.position) == ("Phạm Thị Hoa", "Chuyên viên")


def test_new_delegates_get_their_account_through_the_accounts_service(organiser_client, big_event, units):
    from accounts.models import User

    rows = [["Ph¹m ThÞ Hoa", "Hoa@Example.VN", "DANANG-STTTT", "Chuyªn viªn", "0912 345 678", ""]]
    _confirm(organiser_client, big_event, _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx"))
    user = User.objects.get(email="hoa@example.vn")
    assert (user.full_name, user.position, user.phone, user.org_unit) == (
        "Phạm Thị Hoa",
        "Chuyên viên",
        "0912345678",
        units["danang"],
    )
    assert not user.has_usable_password()


# --- what the preview accepts, the confirm writes -----------------------------------


def test_control_characters_and_lengths_are_refused_in_the_preview_by_row(organiser_client, big_event, units):
    # Five long rows first: a NUL byte in the first 8 KB makes the file binary
    # (refused whole); after them it reached the confirm and failed there.
    filler = [[f"Người Thứ {n}", f"n{n}@example.vn", "DANANG-STTTT", "", "", "y" * 1900] for n in range(5)]
    rows = [
        ["Nguyễn\x00 Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""],  # row 7: NUL
        ["Trần Thị Bình", "binh@example.vn", "DANANG-STTTT", "Chuyên\x07viên", "", ""],  # row 8: BEL
        ["A" * 151, "long@example.vn", "DANANG-STTTT", "", "", ""],  # row 9
        ["Lê Văn Cường", "cuong@example.vn", "DANANG-STTTT", "", "", "x" * 2001],  # row 10
        ["Võ Thị Dung", "dung@example.vn", "DANANG-STTTT", "", "", "Dòng một\nDòng hai"],  # row 11: fine
    ]
    text = "\r\n".join(",".join(f'"{cell}"' for cell in row) for row in [HEADER, *filler, *rows]).encode()
    assert b"\x00" not in text[:8192]
    upload = _upload(organiser_client, big_event, text, "a.csv")
    preview = upload.context["preview"]
    errors = {row.number: " ".join(row.errors) for row in preview.invalid_rows}
    assert set(errors) == {7, 8, 9, 10}
    assert "“Họ và tên” contains control characters (U+0000)" in errors[7]
    assert "“Chức vụ” contains control characters (U+0007)" in errors[8]
    assert "“Họ và tên” is longer than 150 characters." in errors[9]
    assert "“Ghi chú” is longer than 2000 characters." in errors[10]
    report = _confirm(organiser_client, big_event, upload).content.decode()
    assert "Confirmed: 6" in report
    assert Registration.objects.get(event=big_event, full_name="Võ Thị Dung").notes == "Dòng một\nDòng hai"


def test_a_confirm_that_fails_midway_can_be_confirmed_again(organiser_client, big_event, units, monkeypatch):
    from events import services

    rows = [["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""]]
    upload = _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx")
    real = services.registration_create

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "registration_create", broken)
    with pytest.raises(RuntimeError):
        _confirm(organiser_client, big_event, upload)
    monkeypatch.setattr(services, "registration_create", real)
    assert "Confirmed: 1" in _confirm(organiser_client, big_event, upload).content.decode()
    assert Registration.objects.filter(event=big_event).count() == 1


def test_a_confirm_arriving_while_another_writes_changes_nothing(big_event, units, organiser):
    from core.pending import pending_import_confirm
    from events import imports

    rows = _csv_text([["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""]]).encode()
    preview = imports.registration_import_preview(event=big_event, file=rows, filename="a.csv", by=organiser)
    token = imports.registration_import_stage(event=big_event, preview=preview, data=rows, by=organiser)
    seen = []
    kind = imports.import_kind(big_event)

    def first(payload):
        # A second click reaches the server while the first is still writing.
        seen.append(pending_import_confirm(token=token, kind=kind, actor_id=organiser.pk, run=first))
        return asdict_report(imports.registration_import_commit(event=big_event, rows=payload["rows"], by=organiser))

    outcome = pending_import_confirm(token=token, kind=kind, actor_id=organiser.pk, run=first)
    assert outcome.status == "done" and [s.status for s in seen] == ["running"]
    assert Registration.objects.filter(event=big_event).count() == 1
    again = pending_import_confirm(token=token, kind=kind, actor_id=organiser.pk, run=first)
    assert (again.status, again.result) == ("repeated", outcome.result)


def asdict_report(report):
    from dataclasses import asdict

    return asdict(report)


def test_a_phone_the_account_would_refuse_is_refused_in_the_preview(organiser_client, big_event, units):
    rows = [
        ["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "+84+912345678", ""],  # row 3
        ["Trần Thị Bình", "binh@example.vn", "DANANG-STTTT", "", "+84 912 345 678", ""],  # row 4: fine
    ]
    upload = _upload(organiser_client, big_event, _xlsx(rows), "a.xlsx")
    preview = upload.context["preview"]
    assert [row.number for row in preview.invalid_rows] == [3]
    assert "is not a valid phone number" in preview.invalid_rows[0].errors[0]
    assert "Confirmed: 1" in _confirm(organiser_client, big_event, upload).content.decode()
    assert Registration.objects.get(event=big_event).phone == "+84912345678"


def test_the_preview_warns_when_the_same_file_was_imported_before(organiser_client, big_event, units):
    data = _xlsx([["Nguyễn Văn An", "an@example.vn", "DANANG-STTTT", "", "", ""]])
    first = _upload(organiser_client, big_event, data, "a.xlsx")
    assert "was already imported" not in first.content.decode()
    _confirm(organiser_client, big_event, first)
    again = _upload(organiser_client, big_event, data, "a.xlsx").content.decode()
    assert "This same file was already imported into this event on" in again
