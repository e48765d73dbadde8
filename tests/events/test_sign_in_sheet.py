"""The sign-in sheet (danh sách ký tên), per session or per day, read back from the real PDF."""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from events.models import EventPage, EventSession
from tests.factories import OrgUnitFactory, RegistrationFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def pages(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


@pytest.fixture
def conference(event):
    """Two days, a morning and an afternoon session each, organised by a department of a ministry."""
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông")
    department = OrgUnitFactory(code="BTTTT-TCCB", name="Vụ Tổ chức cán bộ", parent=ministry)
    EventSession.objects.filter(event=event).delete()
    for day, hour, title in (
        (24, 8, "Những điểm mới của Luật"),
        (24, 13, "Hướng dẫn Thông tư 13/2015/TT-BTTTT"),
        (25, 8, "Phong trào thi đua yêu nước"),
        (25, 13, "Nâng cao chất lượng công tác thi đua, khen thưởng"),
    ):
        starts = datetime.datetime(2015, 8, day, hour, tzinfo=VN)
        EventSession.objects.create(
            event=event, title=title, starts_at=starts, ends_at=starts + datetime.timedelta(hours=3, minutes=30)
        )
    EventPage.objects.filter(pk=event.pk).update(
        organising_unit=department,
        venue="Thành phố Đà Nẵng",
        capacity=400,
        starts_at=datetime.datetime(2015, 8, 24, 8, tzinfo=VN),
        ends_at=datetime.datetime(2015, 8, 25, 17, tzinfo=VN),
    )
    event.refresh_from_db()
    return event


def _delegates(event, unit, count, prefix="Đại biểu"):
    return [
        RegistrationFactory(event=event, org_unit=unit, full_name=f"{prefix} {n:03d}", position="Chuyên viên")
        for n in range(count)
    ]


def test_a_session_sheet_has_the_official_heading_the_session_and_its_date(organiser_client, conference, danang):
    _delegates(conference, danang, 3)
    second = conference.sessions.order_by("starts_at")[1]
    url = f"/events/manage/{conference.pk}/sign-in.pdf?session={second.pk}"
    (text,) = pages(organiser_client.get(url))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" in text and "VỤ TỔ CHỨC CÁN BỘ" in text
    assert "DANH SÁCH ĐẠI BIỂU KÝ TÊN" in text
    assert "Chuyên đề 2: Hướng dẫn Thông tư 13/2015/TT-BTTTT" in text
    assert "Thời gian: 13:00 – 16:30, ngày 24/08/2015" in text
    assert "Thành phố Đà Nẵng" in text
    # Numbered columns, one signature column, totals, and the page number.
    for number in range(1, 6):
        assert f"({number})" in text
    assert "Ký tên" in text and "Buổi sáng" not in text
    assert f"I. {danang.name}" in text
    assert "Cộng I: 3 đại biểu" in text
    assert "Tổng cộng: 3 đại biểu của 1 đơn vị" in text
    assert "Trang 1/1" in text
    # Not the day it was printed.
    assert timezone.localdate().strftime("%d/%m/%Y") not in text


def test_a_day_sheet_signs_morning_and_afternoon(organiser_client, conference, danang):
    _delegates(conference, danang, 2)
    url = f"/events/manage/{conference.pk}/sign-in.pdf?day=2015-08-25"
    (text,) = pages(organiser_client.get(url))
    assert "Ngày 25/08/2015" in text
    assert "Buổi sáng" in text and "Buổi chiều" in text
    assert "Chuyên đề" not in text
    # Without a choice: the first day.
    (first,) = pages(organiser_client.get(f"/events/manage/{conference.pk}/sign-in.pdf"))
    assert "Ngày 24/08/2015" in first


def test_a_long_unit_runs_on_with_its_heading_the_column_headings_and_trang_x_of_y(
    organiser_client, conference, danang
):
    hue = OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")
    _delegates(conference, danang, 50, prefix="Đà Nẵng")
    _delegates(conference, hue, 30, prefix="Huế")
    texts = pages(organiser_client.get(f"/events/manage/{conference.pk}/sign-in.pdf?day=2015-08-24"))
    count = len(texts)
    assert count >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Trang {number}/{count}" in text
        assert "Họ và tên" in text and "(1)" in text  # the headings on every page
    # The second page opens with the first unit again, marked as continued.
    assert f"I. {danang.name} (tiếp theo)" in texts[1]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in texts[1]
    whole = "\n".join(texts)
    assert "Cộng I: 50 đại biểu" in whole and "Cộng II: 30 đại biểu" in whole
    assert "Tổng cộng: 80 đại biểu của 2 đơn vị" in whole
    # People are numbered 1…80 across units and pages.
    numbers = [int(n) for n in re.findall(r"^\s*(\d+)\s*$", whole, flags=re.MULTILINE)]
    assert numbers[:3] == [1, 2, 3] and max(numbers) == 80


@pytest.mark.parametrize("query", ["session=abc", "session=999999", "day=2015-08-30", "day=25/08/2015"])
def test_a_sheet_for_nothing_is_not_found(organiser_client, conference, query):
    assert organiser_client.get(f"/events/manage/{conference.pk}/sign-in.pdf?{query}").status_code == 404


def test_another_events_session_is_not_found(organiser_client, conference):
    from tests.factories import EventPageFactory, EventSessionFactory

    other = EventSessionFactory(event=EventPageFactory())
    assert organiser_client.get(f"/events/manage/{conference.pk}/sign-in.pdf?session={other.pk}").status_code == 404


def test_the_report_links_a_sheet_per_day_and_per_session(organiser_client, conference):
    html = organiser_client.get(f"/events/manage/{conference.pk}/report/").content.decode()
    assert "?day=2015-08-24" in html and "?day=2015-08-25" in html
    for session in conference.sessions.all():
        assert f"?session={session.pk}" in html
