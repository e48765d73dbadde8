"""On a 360×740 phone: the organiser chooses the printed name and issues; the report offers the sign-in sheets."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from events.models import Attendance, EventSession
from tests.factories import (
    DEFAULT_PASSWORD,
    CertificateTemplateFactory,
    EventPageFactory,
    OrgUnitFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def dalat(transactional_db, make_staff, enable_totp):
    ministry = OrgUnitFactory(code="BTNMT", name="Bộ Tài nguyên và Môi trường")
    department = OrgUnitFactory(code="BTNMT-TCCB", name="Vụ Tổ chức cán bộ", parent=ministry)
    lamdong = OrgUnitFactory(code="LAMDONG-STNMT", name="Sở Tài nguyên và Môi trường Lâm Đồng")
    CertificateTemplateFactory(org_unit=ministry, issuing_body_parent="BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG")
    starts = datetime.datetime(2022, 6, 2, 8, tzinfo=VN)
    event = EventPageFactory(
        title="Hội nghị tập huấn công tác thi đua, khen thưởng Bộ Tài nguyên và Môi trường năm 2022",
        organising_unit=department,
        place="Đà Lạt",
        capacity=20,
        starts_at=starts,
        ends_at=starts.replace(hour=16, minute=30),
        registration_closes=starts,
    )
    for hour, title in ((8, "Nâng cao chất lượng công tác tham mưu"), (13, "Nâng cao chất lượng hồ sơ khen thưởng")):
        EventSession.objects.create(
            event=event, title=title, starts_at=starts.replace(hour=hour), ends_at=starts.replace(hour=hour + 3)
        )
    people = [
        RegistrationFactory(
            event=event, org_unit=lamdong, user=UserFactory(full_name="Nguyễn Văn An"), full_name="Nguyễn Văn Ân"
        ),
        RegistrationFactory(event=event, org_unit=lamdong, user=UserFactory(full_name="Trần Thị Bình")),
    ]
    for person in people:
        for session in event.sessions.all():
            Attendance.objects.create(
                registration=person, session=session, status="present", checked_in_at=session.starts_at
            )
    organiser = make_staff(Role.ORGANISER, email="bantochuc@example.vn")
    code = enable_totp(organiser)
    organiser.organised_events.add(event)
    return {"event": event, "email": organiser.email, "code": code}


def _sign_in(page, email: str, code) -> None:
    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(DEFAULT_PASSWORD)
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name='code']").fill(code())
    page.locator("main form button[type='submit']").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_organiser_chooses_the_printed_name_on_a_phone_then_finds_the_sign_in_sheets(dalat, page, request):
    shots = Path(request.config.rootpath) / "test-results"
    shots.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, dalat["email"], dalat["code"])
    event = dalat["event"]
    page.goto(f"/events/manage/{event.pk}/certificates/")
    chooser = page.locator("#choose-names")
    expect(chooser).to_contain_text("chọn trước khi cấp")
    expect(chooser).to_contain_text("Nguyễn Văn Ân")
    expect(chooser).to_contain_text("Nguyễn Văn An")
    _fits(page)
    page.screenshot(path=str(shots / "certificates-name-choice-360x740.png"))
    chooser.screenshot(path=str(shots / "certificates-name-choice-card.png"))
    # The browser itself asks for a choice before the bulk issue.
    chooser.get_by_role("button", name=re.compile("Cấp giấy chứng nhận cho")).click()
    expect(page).to_have_url(re.compile(r"/certificates/$"))
    chooser.get_by_label(re.compile("Nguyễn Văn An – theo tên trong tài khoản")).check()
    chooser.get_by_role("button", name="Cấp với tên đã chọn").click()
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Đã cấp giấy chứng nhận TĐKT-2022-\d+ cho Nguyễn Văn An\.")
    )
    expect(page.locator("#choose-names")).to_have_count(0)
    expect(page.locator("table")).to_contain_text("TĐKT-2022-")
    page.goto(f"/events/manage/{event.pk}/report/")
    sheets = page.locator(".sheet-links")
    expect(sheets).to_contain_text("Ngày 02/06/2022")
    expect(sheets.locator("a")).to_have_count(3)  # the day and its two sessions
    _fits(page)
    page.screenshot(path=str(shots / "report-sign-in-sheets-360x740.png"))
    response = page.request.get(sheets.locator("a").nth(1).get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
