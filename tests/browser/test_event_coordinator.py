"""A unit coordinator follows their units through a conference from a phone (360×740).

From the staff list to the event's overview (never a 403), their quota, the
attendance report and the certificates page, each filtered to their unit
subtree, the workbook downloaded, and the quota shown again before an import.
Screenshots of each step go to test-results/coordinator-*.png.
"""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.roles import Role
from events import services
from events.models import EventPage, UnitQuota
from tests.browser.test_events import _sign_in
from tests.factories import EventPageFactory, EventSessionFactory, OrgUnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def conference(transactional_db, make_staff, enable_totp):
    danang = OrgUnitFactory(code="DANANG-STTTT", name="Sở Thông tin và Truyền thông Đà Nẵng")
    haichau = OrgUnitFactory(parent=danang, code="HAICHAU", name="Phòng Văn hóa - Thông tin quận Hải Châu")
    hue = OrgUnitFactory(code="HUE-STTTT", name="Sở Thông tin và Truyền thông Thừa Thiên Huế")
    starts = timezone.now() - datetime.timedelta(hours=3)
    event = EventPageFactory(
        title="Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(days=1),
        capacity=20,
        registration_mode=EventPage.Mode.QUOTA,
        certificate_rule=EventPage.CertificateRule.ATTENDANCE,
        min_attendance_percent=50,
    )
    session = EventSessionFactory(
        event=event,
        title="Những điểm mới của Luật Thi đua, khen thưởng",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    UnitQuota.objects.create(event=event, unit=danang, seats=4)
    UnitQuota.objects.create(event=event, unit=hue, seats=6)
    organiser = make_staff(Role.ORGANISER, email="bantochuc@example.vn")
    organiser.organised_events.add(event)
    coordinator = make_staff(Role.COORDINATOR, unit=danang, org_unit=danang, email="dauMoi.danang@example.vn")
    code = enable_totp(coordinator)
    people = (("Nguyễn Văn Ân", danang), ("Lê Thị Hoa", haichau), ("Trần Văn Bình", hue), ("Hồ Thị Cúc", hue))
    registrations = {}
    for name, unit in people:
        registrations[name] = services.registration_create(
            event=event, user=UserFactory(full_name=name, org_unit=unit), source="import", created_by=organiser
        )
    for name in ("Nguyễn Văn Ân", "Trần Văn Bình"):
        services.attendance_check_in(
            session=session, recorded_by=None, registration=registrations[name], status="present", confirm=True
        )
    return {"event": event, "email": coordinator.email, "code": code}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"coordinator-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name}: the page scrolls sideways ({width}px)"


def test_a_coordinator_follows_their_units_through_the_event(conference, page):
    event = conference["event"]
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, conference["email"], conference["code"])

    page.goto("/events/manage/")
    card = page.locator(".card", has_text=event.title)
    card.get_by_role("link", name="Quản lý").click()
    expect(page.locator("h1")).to_contain_text(event.title)
    main = page.locator("main")
    expect(main).to_contain_text("Bạn chỉ xem các đại biểu của Sở Thông tin và Truyền thông Đà Nẵng")
    # Their quota: Đà Nẵng and Hải Châu hold two of four seats. Huế's is not theirs.
    quotas = main.locator(".desk-quotas")
    expect(quotas).to_contain_text("Sở Thông tin và Truyền thông Đà Nẵng: đã dùng 2/4, còn 2")
    expect(main).not_to_contain_text("Thừa Thiên Huế")
    expect(main).not_to_contain_text("Số chỗ, chuyên đề, ban tổ chức")  # settings are the organisers'
    _shot(page, "1-overview")

    page.get_by_role("link", name="Báo cáo điểm danh").click()
    expect(page.locator("h1")).to_contain_text("Báo cáo điểm danh")
    expect(main).to_contain_text("Phòng Văn hóa - Thông tin quận Hải Châu")
    expect(main).not_to_contain_text("Thừa Thiên Huế")
    # One of their two people attended (Nguyễn Văn Ân); Huế's Trần Văn Bình is not counted.
    expect(main.locator("tfoot tr")).to_have_text(re.compile(r"Tổng cộng\s*2\s*1"))
    _shot(page, "2-report")

    with page.expect_download() as download:
        page.locator("a[href$='/report.xlsx']").first.click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).worksheets[0]
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"Nguyễn Văn Ân", "Lê Thị Hoa"}

    page.goto(f"/events/manage/{event.pk}/")
    page.locator("a[href$='/certificates/']").click()
    expect(main).to_contain_text("Nguyễn Văn Ân")
    expect(main).to_contain_text("Lê Thị Hoa")
    expect(main).not_to_contain_text("Trần Văn Bình")
    expect(main).to_contain_text("Ban tổ chức hội nghị cấp giấy chứng nhận")
    expect(main.locator("button[type='submit']")).to_have_count(0)
    expect(main.locator("tr", has_text="Nguyễn Văn Ân")).to_contain_text("1/1")
    _shot(page, "3-certificates")

    page.goto(f"/events/manage/{event.pk}/import/")
    expect(main.locator(".desk-quotas")).to_contain_text("Sở Thông tin và Truyền thông Đà Nẵng: đã dùng 2/4, còn 2")
    expect(main).not_to_contain_text("Thừa Thiên Huế")
    _shot(page, "4-import")
