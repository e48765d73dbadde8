"""Reports by unit, the XLSX export (formula injection escaped) and the sign-in sheet PDF."""

import io
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.spreadsheets import safe_cell
from events.models import Attendance, EventPage
from events.selectors import event_report, session_counts
from tests.factories import OrgUnitFactory, RegistrationFactory, UserFactory


@pytest.fixture
def hue(db):
    return OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")


def _attend(registration, session, status="present"):
    return Attendance.objects.create(
        registration=registration, session=session, status=status, checked_in_at=timezone.now()
    )


@pytest.fixture
def delegates(event, danang, hue):
    EventPage.objects.filter(pk=event.pk).update(capacity=50)
    first, second = event.sessions.order_by("starts_at")
    dn = [RegistrationFactory(event=event, org_unit=danang) for _ in range(3)]
    hu = [RegistrationFactory(event=event, org_unit=hue) for _ in range(2)]
    RegistrationFactory(event=event, org_unit=hue, status="waitlisted", seat=None)
    _attend(dn[0], first)
    _attend(dn[1], first, "late")
    _attend(dn[2], first, "excused")
    _attend(hu[0], first)
    _attend(dn[0], second)
    return dn, hu


def test_report_by_unit_and_session(event, delegates, danang, hue):
    sessions, rows = event_report(event)
    by_unit = {row.unit: (row.registered, [row.per_session.get(s.pk, 0) for s in sessions]) for row in rows}
    assert by_unit == {danang.name: (3, [2, 1]), hue.name: (2, [1, 0])}  # excused is not attended
    counts = session_counts(sessions[0])
    assert counts == {"present": 2, "late": 1, "excused": 1, "registered": 5, "attended": 3, "absent": 1}


def test_report_page_shows_units(organiser_client, event, delegates, danang, hue):
    html = organiser_client.get(f"/events/manage/{event.pk}/report/").content.decode()
    assert danang.name in html and hue.name in html
    assert 'style="' not in html


def test_report_query_count_does_not_grow(organiser_client, event, delegates, danang):
    url = f"/events/manage/{event.pk}/report/"
    organiser_client.get(url)
    with CaptureQueriesContext(connection) as small:
        organiser_client.get(url)
    first = event.sessions.order_by("starts_at").first()
    for unit in (OrgUnitFactory() for _ in range(8)):
        for _ in range(3):
            _attend(RegistrationFactory(event=event, org_unit=unit), first)
    with CaptureQueriesContext(connection) as large:
        organiser_client.get(url)
    assert len(large) == len(small)


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+84912345678", "'+84912345678"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        (3, 3),
    ],
)
def test_safe_cell(value, escaped):
    assert safe_cell(value) == escaped


def test_xlsx_export_keeps_formulas_as_text_without_an_apostrophe_and_keeps_vietnamese(organiser_client, event, danang):
    from openpyxl import load_workbook

    user = UserFactory(email="x@example.vn")
    formula = '=HYPERLINK("http://evil.example","Bấm")'
    RegistrationFactory(event=event, user=user, full_name=formula, org_unit=danang, position="+1")
    RegistrationFactory(event=event, full_name="Trần Thị Bình", org_unit=danang, phone="0912345678")
    response = organiser_client.get(f"/events/manage/{event.pk}/report.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.streaming
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    # Shown as typed: no apostrophe, stored as text, and Excel's quote prefix keeps it text when edited.
    assert formula in cells and "'" + formula not in cells
    assert (cells[formula].data_type, cells[formula].quotePrefix) == ("s", True)
    assert (cells["+1"].data_type, cells["+1"].quotePrefix) == ("s", True)
    assert "Trần Thị Bình" in cells and "0912345678" in cells
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_sign_in_sheet_pdf_reads_back_with_vietnamese_names_grouped_by_unit(organiser_client, event, danang, hue):
    from pypdf import PdfReader

    names = ["Nguyễn Thị Thu Hường", "Đặng Quốc Việt", "Trương Văn Ơn", "Lê Thị Ngọc Ánh"]
    for index, name in enumerate(names):
        # One name arrives decomposed (as some exports write it): stored and printed NFC.
        RegistrationFactory(
            event=event,
            full_name=unicodedata.normalize("NFD", name) if index == 0 else name,
            org_unit=danang if index % 2 else hue,
            position="Chuyên viên",
        )
    response = organiser_client.get(f"/events/manage/{event.pk}/sign-in.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "DANH SÁCH ĐẠI BIỂU KÝ TÊN" in text
    for name in names:
        assert name in text
    # Grouped by unit: each unit's heading comes before its people.
    assert text.index(danang.name) < text.index("Đặng Quốc Việt")
    assert text.index(hue.name) < text.index("Nguyễn Thị Thu Hường")
    assert reader.metadata.title.startswith("Danh sách ký tên")


def test_sign_in_sheet_query_count_does_not_grow(organiser_client, event, danang):
    url = f"/events/manage/{event.pk}/sign-in.pdf"
    RegistrationFactory(event=event, org_unit=danang)
    organiser_client.get(url)
    with CaptureQueriesContext(connection) as small:
        organiser_client.get(url)
    EventPage.objects.filter(pk=event.pk).update(capacity=100)
    for _ in range(30):
        RegistrationFactory(event=event, org_unit=OrgUnitFactory())
    with CaptureQueriesContext(connection) as large:
        organiser_client.get(url)
    assert len(large) == len(small)
